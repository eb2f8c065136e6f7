using ComplianceBot.Storage.Tables;

namespace ComplianceBot.Storage.Tests;

public sealed class TableKeyTests
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("A/B\\C#D?E", "A%2FB%5CC%23D%3FE")]
    [InlineData("100%", "100%25")]
    [InlineData("tab\there", "tab%09here")]
    [InlineData("del\u007F\u009F", "del%7F%9F")]
    [InlineData("O'Brien & co", "O'Brien & co")]
    public void EncodedKeyIsLegalAndDecodesBackWhenValueHasForbiddenCharacters(string value, string expected)
    {
        var encoded = TableKey.Encode(value);

        Assert.Equal(expected, encoded);
        TableKey.Validate(encoded, "key");
        Assert.Equal(value, TableKey.Decode(encoded));
    }

    [Fact]
    public void ValidationNamesTheCharacterWhenKeyIsRaw()
    {
        var ex = Assert.Throws<ArgumentException>(() => TableKey.Validate("a/b", "RowKey"));
        Assert.Contains("U+002F", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ComposedKeySplitsBackWhenPartsContainSeparator()
    {
        var key = TableKey.Compose('|', "emp|1/2", "BLS");
        Assert.Equal("emp%7C1%2F2|BLS", key);
        Assert.Equal(["emp|1/2", "BLS"], TableKey.Split('|', key));
    }

    [Fact]
    public void TooLongKeyIsRejectedWhenEncoded()
    {
        Assert.Throws<ArgumentException>(() => TableKey.Encode(new string('/', 200)));
    }
}
