using ComplianceBot.Application.Renewals;
using Microsoft.Extensions.Options;
using ComplianceBot.Testing;

namespace ComplianceBot.Application.Tests.Renewals;

public sealed class RenewalTokensTests
{
    private const string KeyA = "key-a-0000000000000000000000000000000000";
    private const string KeyB = "key-b-1111111111111111111111111111111111";
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 14, 0, 0, TimeSpan.Zero);

    private static (RenewalTokens Tokens, ManualTimeProvider Clock) Create(string? key = KeyA, string? previous = null, TimeSpan? lifetime = null)
    {
        var clock = new ManualTimeProvider(Now);
        var options = new RenewalOptions { SigningKey = key, PreviousSigningKey = previous, PublicBaseUrl = "https://app.example.org", LinkLifetime = lifetime ?? TimeSpan.FromDays(14) };
        return (new RenewalTokens(Options.Create(options), clock), clock);
    }

    [Fact]
    public void AnIssuedTokenNamesTheClinicThePersonAndAnExpiryFourteenDaysOut()
    {
        var (tokens, _) = Create();

        var check = tokens.Check(tokens.Issue("clinic-a", "a1"), out var grant);

        Assert.Equal(RenewalTokenCheck.Valid, check);
        Assert.Equal(new RenewalGrant("clinic-a", "a1", Now, Now.AddDays(14)), grant);
    }

    [Fact]
    public void ATokenPastItsExpiryIsExpiredAndNamesNobody()
    {
        var (tokens, clock) = Create();
        var token = tokens.Issue("clinic-a", "a1");

        clock.Advance(TimeSpan.FromDays(14));

        Assert.Equal(RenewalTokenCheck.Expired, tokens.Check(token, out var grant));
        Assert.Null(grant);
    }

    [Fact]
    public void ATokenWhosePayloadWasAlteredIsInvalid()
    {
        var (tokens, _) = Create();
        var parts = tokens.Issue("clinic-a", "a1").Split('.');
        var forgedPayload = Convert.ToBase64String("clinic-a|b1|1772460000|1900000000"u8.ToArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        Assert.Equal(RenewalTokenCheck.Invalid, tokens.Check($"{parts[0]}.{forgedPayload}.{parts[2]}", out var grant));
        Assert.Null(grant);
    }

    [Fact]
    public void EveryChangeToTheLastCharacterOfTheSignatureIsRefused()
    {
        var (tokens, _) = Create();
        var token = tokens.Issue("clinic-a", "a1");
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

        var accepted = alphabet.Where(c => c != token[^1]).Count(c => tokens.Check(token[..^1] + c, out _) != RenewalTokenCheck.Invalid);

        Assert.Equal(0, accepted);
    }

    [Theory]
    [InlineData("")]
    [InlineData("v1")]
    [InlineData("v1.a.b.c")]
    [InlineData("v2.YQ.YQ")]
    [InlineData("v1.!!!.YQ")]
    [InlineData("v1.YQ.YQ")]
    public void MalformedTokensAreInvalid(string token)
    {
        var (tokens, _) = Create();

        Assert.Equal(RenewalTokenCheck.Invalid, tokens.Check(token, out _));
    }

    [Fact]
    public void AfterARotationLinksSignedWithThePreviousKeyStillWorkAndNewOnesUseTheNewKey()
    {
        var (before, _) = Create(KeyA);
        var old = before.Issue("clinic-a", "a1");
        var (after, _) = Create(KeyB, previous: KeyA);
        var (onlyNew, _) = Create(KeyB);
        var (onlyOld, _) = Create(KeyA);

        Assert.Equal(RenewalTokenCheck.Valid, after.Check(old, out _));
        Assert.Equal(RenewalTokenCheck.Invalid, onlyNew.Check(old, out _));
        var fresh = after.Issue("clinic-a", "a1");
        Assert.Equal(RenewalTokenCheck.Valid, onlyNew.Check(fresh, out _));
        Assert.Equal(RenewalTokenCheck.Invalid, onlyOld.Check(fresh, out _));
    }

    [Fact]
    public void WithoutASigningKeyLinksAreOffAndEveryTokenIsRefused()
    {
        var (on, _) = Create();
        var (off, _) = Create(key: null);

        Assert.Null(off.LinkFor("clinic-a", "a1"));
        Assert.Equal(RenewalTokenCheck.Disabled, off.Check(on.Issue("clinic-a", "a1"), out var grant));
        Assert.Null(grant);
    }

    [Fact]
    public void TheLinkCarriesTheTokenInTheFragmentSoNoServerLogSeesIt()
    {
        var (tokens, _) = Create();

        var link = tokens.LinkFor("clinic-a", "a1")!;

        Assert.Equal("https://app.example.org/api/renew/", link.Url.GetLeftPart(UriPartial.Path));
        Assert.Empty(link.Url.Query);
        Assert.Equal(RenewalTokenCheck.Valid, tokens.Check(link.Url.Fragment.TrimStart('#'), out _));
        Assert.Equal(Now.AddDays(14), link.ExpiresAt);
    }

    [Theory]
    [InlineData("short", null, "https://app.example.org", "Renewal:SigningKey must be at least 32 characters.")]
    [InlineData(KeyA, "short", "https://app.example.org", "Renewal:PreviousSigningKey must be at least 32 characters.")]
    [InlineData(null, KeyA, null, "Renewal:PreviousSigningKey is set without Renewal:SigningKey: set the current key too.")]
    [InlineData(KeyA, null, "http://app.example.org", "Renewal:PublicBaseUrl must be the app's absolute https address (http only on loopback) when Renewal:SigningKey is set.")]
    [InlineData(KeyA, null, null, "Renewal:PublicBaseUrl must be the app's absolute https address (http only on loopback) when Renewal:SigningKey is set.")]
    public void SettingsThatCannotWorkAreRefusedNamingTheSetting(string? key, string? previous, string? url, string message)
    {
        var options = new RenewalOptions { SigningKey = key, PreviousSigningKey = previous, PublicBaseUrl = url };

        Assert.Equal(message, options.Validate());
    }

    [Fact]
    public void LoopbackHttpIsAcceptedForLocalUse()
    {
        Assert.Null(new RenewalOptions { SigningKey = KeyA, PublicBaseUrl = "http://127.0.0.1:7071" }.Validate());
        Assert.Null(new RenewalOptions().Validate());
    }
}
