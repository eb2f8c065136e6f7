namespace ComplianceBot.Email.Tests;

public sealed class EmailSafetyTests
{
    [Theory]
    [InlineData("Maria\r\nBcc: x@evil.test", "Maria Bcc: x@evil.test")]
    [InlineData("Lopez, Maria; MA", "Lopez Maria MA")]
    [InlineData("Ma\0ria\t  Lopez ", "Ma ria Lopez")]
    [InlineData(" ,; ", null)]
    public void CleanNameWhenItHasControlCharactersOrSeparators(string name, string? expected) =>
        Assert.Equal(expected, EmailSafety.CleanDisplayName(name));
}
