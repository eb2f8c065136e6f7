using System.Text;
using ComplianceBot.Domain.Catalog;

namespace ComplianceBot.Domain.Tests;

public class CredentialCatalogTests
{
    private static readonly CredentialCatalog Catalog = CredentialCatalog.Default;

    public static TheoryData<string> RequiredCodes => new()
    {
        "CMA", "RMA", "RMA_CCP", "CCMA", "CPT", "CET", "NCMA", "BLS", "ACLS", "PALS", "BLS_ARC", "HIPAA",
        "OSHA_BBP", "OSHA_HAZCOM", "CLIA_COMPETENCY", "TB_SCREENING", "FLU_VACCINE", "WA_MAC",
    };

    [Theory]
    [MemberData(nameof(RequiredCodes))]
    public void ContainsCodeWhenDefaultLoaded(string code)
    {
        var type = Catalog.Get(code);
        Assert.Equal(code, type.Code);
        Assert.True(type.Enabled);
    }

    [Theory]
    [InlineData("CPR", "BLS")]
    [InlineData("AHA_BLS", "BLS")]
    [InlineData(" aha-bls ", "BLS")]
    [InlineData("bls", "BLS")]
    [InlineData("BBP", "OSHA_BBP")]
    [InlineData("Bloodborne", "OSHA_BBP")]
    [InlineData("HAZCOM", "OSHA_HAZCOM")]
    [InlineData("CLIA", "CLIA_COMPETENCY")]
    [InlineData("TB", "TB_SCREENING")]
    [InlineData("flu", "FLU_VACCINE")]
    [InlineData("MAC", "WA_MAC")]
    [InlineData("WA_MA_C", "WA_MAC")]
    [InlineData("wa ma-c", "WA_MAC")]
    [InlineData("RED_CROSS_BLS", "BLS_ARC")]
    [InlineData("Red Cross BLS", "BLS_ARC")]
    public void ResolvesCodeWhenGivenAlias(string alias, string code)
    {
        Assert.True(Catalog.TryResolve(alias, out var type));
        Assert.Equal(code, type.Code);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    [InlineData("NOT_A_CODE")]
    public void DoesNotResolveWhenCodeUnknown(string? code)
    {
        Assert.False(Catalog.TryResolve(code, out _));
    }

    [Fact]
    public void ThrowsKeyNotFoundWhenGettingUnknownCode() =>
        Assert.Throws<KeyNotFoundException>(() => Catalog.Get("NOT_A_CODE"));

    [Fact]
    public void EveryEntryIsCompleteWhenDefaultLoaded()
    {
        Assert.All(Catalog.All, type =>
        {
            Assert.StartsWith("http", type.SourceUrl, StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(type.RenewalSteps));
            Assert.False(string.IsNullOrWhiteSpace(type.Rule.Describe()));
            Assert.NotEmpty(type.ReminderThresholds);
            Assert.Equal(type.ReminderThresholds.OrderDescending(), type.ReminderThresholds);
            Assert.Equal(type.ReminderThresholds.Count, type.ReminderThresholds.Distinct().Count());
            Assert.Equal(0, type.ReminderThresholds[^1]);
            Assert.Matches("^[A-Z0-9_]+$", type.Code);
        });
    }

    [Theory]
    [InlineData("CMA", RuleBasis.IssuerRule, CredentialCategory.Certification)]
    [InlineData("CCMA", RuleBasis.Unverified, CredentialCategory.Certification)]
    [InlineData("BLS", RuleBasis.IssuerRule, CredentialCategory.Card)]
    [InlineData("BLS_ARC", RuleBasis.Unverified, CredentialCategory.Card)]
    [InlineData("HIPAA", RuleBasis.PracticeDefault, CredentialCategory.Training)]
    [InlineData("OSHA_BBP", RuleBasis.IssuerRule, CredentialCategory.Training)]
    [InlineData("OSHA_HAZCOM", RuleBasis.PracticeDefault, CredentialCategory.Training)]
    [InlineData("TB_SCREENING", RuleBasis.PracticeDefault, CredentialCategory.HealthScreening)]
    [InlineData("WA_MAC", RuleBasis.IssuerRule, CredentialCategory.StateCredential)]
    [InlineData("CA_CPT1", RuleBasis.IssuerRule, CredentialCategory.StateCredential)]
    [InlineData("CA_CPT2", RuleBasis.IssuerRule, CredentialCategory.StateCredential)]
    [InlineData("CA_LPT", RuleBasis.IssuerRule, CredentialCategory.StateCredential)]
    [InlineData("HEPB_VACCINATION", RuleBasis.IssuerRule, CredentialCategory.HealthScreening)]
    [InlineData("HEPB_DECLINATION", RuleBasis.IssuerRule, CredentialCategory.HealthScreening)]
    [InlineData("RESPIRATOR_FIT_TEST", RuleBasis.IssuerRule, CredentialCategory.Training)]
    [InlineData("TB_EDUCATION", RuleBasis.PracticeDefault, CredentialCategory.Training)]
    [InlineData("TB_SYMPTOM_SCREEN", RuleBasis.PracticeDefault, CredentialCategory.HealthScreening)]
    [InlineData("FIRE_EXTINGUISHER", RuleBasis.IssuerRule, CredentialCategory.Training)]
    [InlineData("CA_WPV", RuleBasis.IssuerRule, CredentialCategory.Training)]
    [InlineData("CLIA_WAIVED", RuleBasis.PracticeDefault, CredentialCategory.Training)]
    [InlineData("STATE_LICENSE", RuleBasis.Unverified, CredentialCategory.StateCredential)]
    [InlineData("DEA_REGISTRATION", RuleBasis.IssuerRule, CredentialCategory.StateCredential)]
    [InlineData("BOARD_CERTIFICATION", RuleBasis.Unverified, CredentialCategory.Certification)]
    public void HasBasisAndCategoryWhenDefaultLoaded(string code, RuleBasis basis, CredentialCategory category)
    {
        var type = Catalog.Get(code);
        Assert.Equal(basis, type.Basis);
        Assert.Equal(category, type.Category);
    }

    public static TheoryData<string, ExpiryRule> DefaultRules => new()
    {
        { "CMA", new MonthsToEndOfMonth(60) },
        { "RMA", new AnniversaryMonth(12, 6) },
        { "RMA_CCP", new AnniversaryMonth(36, 6) },
        { "CCMA", new ExactMonths(24) },
        { "CPT", new ExactMonths(24) },
        { "CET", new ExactMonths(24) },
        { "NCMA", new ExactMonths(12) },
        { "BLS", new MonthsToEndOfMonth(24) },
        { "ACLS", new MonthsToEndOfMonth(24) },
        { "PALS", new MonthsToEndOfMonth(24) },
        { "BLS_ARC", new ExactMonths(24) },
        { "HIPAA", new EventDriven(30, 12) },
        { "OSHA_BBP", new RollingDays(365, DueWithinDaysOfHire: 0) },
        { "OSHA_HAZCOM", new EventDriven(0, 12) },
        { "CLIA_COMPETENCY", new Staged([6, 12], 12) },
        { "TB_SCREENING", new EventDriven(0, null) },
        { "FLU_VACCINE", new SeasonDeadline(8, 11, 30) },
        { "WA_MAC", new BirthdayAnchored(2, EarlyRenewalDays: 90) },
        { "CA_CPT1", new ExactMonths(24) },
        { "CA_CPT2", new ExactMonths(24) },
        { "CA_LPT", new ExactMonths(24) },
        { "HEPB_VACCINATION", new OneTime(10, WorkingDays: true) },
        { "HEPB_DECLINATION", new OneTime(10, WorkingDays: true) },
        { "RESPIRATOR_FIT_TEST", new EventDriven(0, 12) },
        { "TB_EDUCATION", new EventDriven(0, 12) },
        { "TB_SYMPTOM_SCREEN", new ExactMonths(12) },
        { "FIRE_EXTINGUISHER", new EventDriven(0, 12) },
        { "CA_WPV", new EventDriven(0, 12) },
        { "CLIA_WAIVED", new EventDriven(0, 12) },
        { "STATE_LICENSE", new PrintedDate() },
        { "DEA_REGISTRATION", new PrintedDate(36) },
        { "BOARD_CERTIFICATION", new PrintedDate() },
    };

    [Theory]
    [InlineData("CPT I", "CA_CPT1")]
    [InlineData("cpt-ii", "CA_CPT2")]
    [InlineData("LPT", "CA_LPT")]
    [InlineData("CPT", "CPT")]
    [InlineData("NHA_CPT", "CPT")]
    public void TellsCaliforniasPhlebotomyCertificatesApartFromNhasCpt(string alias, string code) =>
        Assert.Equal(code, Catalog.Get(alias).Code);

    [Fact]
    public void ClosesTheWashingtonLapseWindowOnTheThirdAnniversaryOfTheExpiry()
    {
        var lapse = Catalog.Get("WA_MAC").Lapse!;
        Assert.Equal(new DateOnly(2027, 6, 14), lapse.EndsOn(new DateOnly(2024, 6, 15)));
        Assert.Equal(new DateOnly(2027, 2, 27), lapse.EndsOn(new DateOnly(2024, 2, 29)));
        Assert.Contains("another state", lapse.AfterWindow, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(DefaultRules))]
    public void HasRuleWhenDefaultLoaded(string code, ExpiryRule rule) =>
        Assert.Equal(rule, Catalog.Get(code).Rule);

    [Fact]
    public void HasAamaLapseWindowWhenCmaExpires()
    {
        var lapse = Catalog.Get("CMA").Lapse;
        Assert.NotNull(lapse);
        Assert.Equal(90, lapse.Days);
        Assert.Equal(
            "Recertify by continuing education (60 points: 10 administrative, 10 clinical, 10 general, 30 any; at least 30 AAMA-approved)",
            lapse.InsideWindow);
        Assert.Equal("CE route closed: retake the CMA exam and pay the reactivation fee", lapse.AfterWindow);
    }

    [Fact]
    public void ReadsBackEqualCatalogWhenWrittenAsJson()
    {
        using var stream = new MemoryStream();
        Catalog.WriteTo(stream);
        stream.Position = 0;

        var reloaded = CredentialCatalog.Load(stream);

        Assert.Equal(Catalog.All, reloaded.All);
    }

    [Fact]
    public void ReadsBackEqualCatalogWhenWrittenWithOrganizationDefaultThresholds()
    {
        var catalog = Catalog.WithDefaultThresholds([45, 10]);
        using var stream = new MemoryStream();
        catalog.WriteTo(stream);
        stream.Position = 0;

        var reloaded = CredentialCatalog.Load(stream).WithDefaultThresholds([45, 10]);

        Assert.Equal(catalog.All, reloaded.All);
        Assert.True(reloaded.Get("CCMA").InheritsThresholds);
    }

    [Fact]
    public void KeepsAnOverridesOwnThresholdsWhenTheDefaultsChange()
    {
        var catalog = Catalog
            .WithOverrides(Json("""[{ "code": "CCMA", "reminderThresholds": [20, 0] }]"""))
            .WithDefaultThresholds([45, 10]);

        Assert.Equal([20, 0], catalog.ThresholdsOf(catalog.Get("CCMA")));
        Assert.Equal([45, 10], catalog.ThresholdsOf(catalog.Get("CPT")));
        Assert.Equal([45, 10], catalog.ThresholdsOf(null));
    }

    [Theory]
    [InlineData(new int[0])]
    [InlineData(new[] { 30, -1 })]
    public void RefusesDefaultThresholdsThatAreEmptyOrNegative(int[] thresholds) =>
        Assert.Throws<InvalidDataException>(() => Catalog.WithDefaultThresholds(thresholds));

    [Fact]
    public void AppliesOverridesWhenOrganizationChangesDefaults()
    {
        var overridden = Catalog.WithOverrides(Json("""
            [
              { "code": "hipaa", "rule": { "kind": "EventDriven", "dueWithinDaysOfHire": 14 } },
              { "code": "FLU", "enabled": false },
              { "code": "BLS", "reminderThresholds": [7, 60, 30, 0] }
            ]
            """));

        Assert.Equal(new EventDriven(14, null), overridden.Get("HIPAA").Rule);
        Assert.Equal("HHS (45 CFR 164.530(b), 164.308(a)(5))", overridden.Get("HIPAA").Issuer);
        Assert.False(overridden.Get("FLU_VACCINE").Enabled);
        Assert.Equal([60, 30, 7, 0], overridden.Get("BLS").ReminderThresholds);
        Assert.Equal(Catalog.All.Count, overridden.All.Count);
        // The default is untouched.
        Assert.Equal(new EventDriven(30, 12), Catalog.Get("HIPAA").Rule);
        Assert.True(Catalog.Get("FLU_VACCINE").Enabled);
    }

    [Fact]
    public void AddsTypeWhenOverrideHasNewCode()
    {
        var overridden = Catalog.WithOverrides(Json("""
            [{
              "code": "ND_LXMO", "name": "ND limited X-ray operator", "issuer": "ND MIRT Board",
              "category": "StateCredential", "basis": "IssuerRule",
              "rule": { "kind": "FixedCalendarCycle", "years": 2, "anchorYear": 2024 },
              "renewalSteps": "12 CE hours per cycle; send copies with the renewal.",
              "sourceUrl": "https://www.ndmirtboard.com/lic/CEU/LXMO-BDreqs.asp",
              "aliases": ["nd-xray"]
            }]
            """));

        var type = overridden.Get("nd xray");
        Assert.Equal("ND_LXMO", type.Code);
        Assert.Equal(new FixedCalendarCycle(2, 2024), type.Rule);
        Assert.Equal(CredentialTypeDefaults.ReminderThresholds, type.ReminderThresholds);
        Assert.Equal(Catalog.All.Count + 1, overridden.All.Count);
    }

    [Theory]
    [InlineData("""[{ "code": "NEW_ONE", "name": "No rule" }]""", "needs")]
    [InlineData("""[{ "code": "BLS", "rule": { "kind": "Weekly" } }]""", "invalid")]
    [InlineData("""[{ "code": "ACLS", "aliases": ["CPR"] }]""", "already taken")]
    [InlineData("""[{ "code": "BLS", "reminderThresholds": [30, -1] }]""", "zero or more")]
    [InlineData("""{ "code": "BLS" }""", "invalid")]
    public void ThrowsInvalidDataWhenOverrideIsBad(string json, string messagePart)
    {
        var ex = Assert.Throws<InvalidDataException>(() => Catalog.WithOverrides(Json(json)));
        Assert.Contains(messagePart, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ThrowsInvalidDataWhenCodeIsDuplicated() =>
        Assert.Throws<InvalidDataException>(() => CredentialCatalog.Load(Json("""
            [
              { "code": "X", "name": "X", "issuer": "I", "category": "Card", "basis": "IssuerRule",
                "rule": { "kind": "RollingDays", "days": 1 }, "renewalSteps": "s", "sourceUrl": "https://x" },
              { "code": "x", "name": "X", "issuer": "I", "category": "Card", "basis": "IssuerRule",
                "rule": { "kind": "RollingDays", "days": 1 }, "renewalSteps": "s", "sourceUrl": "https://x" }
            ]
            """)));

    private static MemoryStream Json(string text) => new(Encoding.UTF8.GetBytes(text));
}
