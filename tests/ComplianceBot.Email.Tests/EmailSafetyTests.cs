namespace ComplianceBot.Email.Tests;

public sealed class EmailSafetyTests
{
    [Theory]
    [InlineData("maria@clinic.test")]
    [InlineData("maria.lopez+bls@north.clinic.test")]
    [InlineData("o'brien@clinic.test")]
    public void ValidWhenThePlainAddressIsWellFormed(string address) => Assert.True(EmailSafety.IsValidAddress(address));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("maria")]
    [InlineData("maria@clinic")]
    [InlineData(".maria@clinic.test")]
    [InlineData("maria.@clinic.test")]
    [InlineData("\"maria lopez\"@clinic.test")]
    [InlineData("Maria <maria@clinic.test>")]
    [InlineData("maria@clinic.test, eve@evil.test")]
    [InlineData("maria@clinic.test\nBcc: eve@evil.test")]
    [InlineData("maría@clinic.test")]
    [InlineData("maria@-clinic.test")]
    public void InvalidWhenTheAddressIsNotAPlainAsciiMailbox(string? address) => Assert.False(EmailSafety.IsValidAddress(address));

    [Theory]
    [InlineData("Maria\r\nBcc: x@evil.test", "Maria Bcc: x@evil.test")]
    [InlineData("Lopez, Maria; MA", "Lopez Maria MA")]
    [InlineData("Ma\0ria\t  Lopez ", "Ma ria Lopez")]
    [InlineData(" ,; ", null)]
    public void CleanNameWhenItHasControlCharactersOrSeparators(string name, string? expected) =>
        Assert.Equal(expected, EmailSafety.CleanDisplayName(name));
}
