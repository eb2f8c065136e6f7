using ComplianceBot.Domain.Model;

namespace ComplianceBot.Domain.Tests.Model;

public sealed class PlainEmailAddressTests
{
    [Theory]
    [InlineData("maria@clinic.test")]
    [InlineData("maria.lopez+bls@north.clinic.test")]
    [InlineData("o'brien@clinic.test")]
    public void AcceptsAPlainAsciiMailboxAsGiven(string text)
    {
        Assert.True(PlainEmailAddress.TryParse(text, out var address, out var problem));
        Assert.Null(problem);
        Assert.Equal(text, address.Value);
    }

    [Theory]
    [InlineData(null, "it is empty")]
    [InlineData("", "it is empty")]
    [InlineData("maria", "it must contain exactly one '@'")]
    [InlineData("maria@x@clinic.test", "it must contain exactly one '@'")]
    [InlineData("boss@clinic", "it has no dot in its domain (such as clinic.org)")]
    [InlineData("josé@clinic.org", "it contains a non-ASCII character such as é: use the plain ASCII address the mailbox also answers to")]
    [InlineData("maria@clínica.org", "it contains a non-ASCII character such as é: use the plain ASCII address the mailbox also answers to")]
    [InlineData(".maria@clinic.test", "it has characters before the '@' that need quoting, or a leading, trailing or doubled dot")]
    [InlineData("maria.@clinic.test", "it has characters before the '@' that need quoting, or a leading, trailing or doubled dot")]
    [InlineData("\"maria lopez\"@clinic.test", "it contains a space: give only the address, without a name")]
    [InlineData("Maria <maria@clinic.test>", "it contains a space: give only the address, without a name")]
    [InlineData("maria@clinic.test,eve@evil.test", "it must contain exactly one '@'")]
    [InlineData("maria@clinic.test\nBcc: eve@evil.test", "it contains a control character (line break or similar)")]
    [InlineData("maria@-clinic.test", "its domain is not a valid host name")]
    [InlineData("@clinic.test", "it has nothing before the '@'")]
    public void RefusesWithTheReasonInWords(string? text, string reason)
    {
        Assert.False(PlainEmailAddress.TryParse(text, out _, out var problem));
        Assert.Equal($"'{text}' is not a valid email address: {reason}", problem);
        Assert.False(PlainEmailAddress.IsValid(text));
    }

    [Fact]
    public void RefusesAnAddressLongerThanTheSmtpPathLimit()
    {
        var text = new string('a', 60) + "@" + string.Join('.', Enumerable.Repeat(new string('b', 60), 4)) + ".org";
        Assert.True(text.Length > PlainEmailAddress.MaxLength);
        Assert.False(PlainEmailAddress.TryParse(text, out _, out var problem));
        Assert.EndsWith("it is longer than 254 characters", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusesALocalPartOverSixtyFourCharacters() =>
        Assert.EndsWith("it has more than 64 characters before the '@'", Problem(new string('a', 65) + "@clinic.test"), StringComparison.Ordinal);

    private static string? Problem(string text) => PlainEmailAddress.TryParse(text, out _, out var problem) ? null : problem;
}
