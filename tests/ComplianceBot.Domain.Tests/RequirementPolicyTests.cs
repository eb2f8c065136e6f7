using ComplianceBot.Domain.Catalog;
using ComplianceBot.Domain.Model;

namespace ComplianceBot.Domain.Tests;

public class RequirementPolicyTests
{
    private static Clinic ClinicIn(string state, bool waives = false) =>
        new("c1", "Clinic", "America/Los_Angeles", state, ["m@example.test"], 8, Clinic.MondayToFriday, waives);

    private static string Keys(StaffRole role, Clinic clinic) =>
        string.Join(", ", RequirementPolicy.Default.For(role, clinic).Select(r => r.Key));

    private const string Exposed = "BLS|BLS_ARC, HIPAA, OSHA_BBP, OSHA_HAZCOM, HEPB_VACCINATION|HEPB_DECLINATION";

    [Theory]
    [InlineData(StaffRole.MedicalAssistant, Exposed + ", CMA|RMA|CCMA|NCMA, RMA_CCP, TB_EDUCATION")]
    [InlineData(StaffRole.OfficeManager, "HIPAA, OSHA_HAZCOM, TB_EDUCATION")]
    [InlineData(StaffRole.Nurse, Exposed + ", STATE_LICENSE, TB_EDUCATION")]
    [InlineData(StaffRole.Provider, Exposed + ", STATE_LICENSE, TB_EDUCATION")]
    [InlineData(StaffRole.Phlebotomist, Exposed + ", CPT, TB_EDUCATION")]
    [InlineData(StaffRole.LabTechnician, Exposed + ", CLIA_COMPETENCY, TB_EDUCATION")]
    [InlineData(StaffRole.FrontDesk, "HIPAA, TB_EDUCATION")]
    [InlineData(StaffRole.Other, "HIPAA, TB_EDUCATION")]
    public void ListsRoleRequirementsWhenClinicOutsideWashington(StaffRole role, string expected) =>
        Assert.Equal(expected, Keys(role, ClinicIn("OR")));

    [Theory]
    [InlineData("WA")]
    [InlineData("wa")]
    [InlineData(" WA ")]
    public void AddsWaMacWhenClinicInWashington(string state) =>
        Assert.Equal(
            Exposed + ", CMA|RMA|CCMA|NCMA, RMA_CCP, WA_MAC, TB_EDUCATION",
            Keys(StaffRole.MedicalAssistant, ClinicIn(state)));

    [Fact]
    public void DropsCertificationButKeepsStateCredentialWhenClinicWaivesCertification() =>
        Assert.Equal(
            Exposed + ", RMA_CCP, WA_MAC, TB_EDUCATION",
            Keys(StaffRole.MedicalAssistant, ClinicIn("WA", waives: true)));

    [Fact]
    public void AddsNoStateCredentialWhenRoleIsNotMedicalAssistant() =>
        Assert.Equal(Exposed + ", STATE_LICENSE, TB_EDUCATION", Keys(StaffRole.Nurse, ClinicIn("WA")));

    [Theory]
    [InlineData(StaffRole.Phlebotomist, Exposed + ", CA_CPT1|CA_CPT2|CA_LPT, TB_EDUCATION, CA_WPV")]
    [InlineData(StaffRole.FrontDesk, "HIPAA, TB_EDUCATION, CA_WPV")]
    public void AsksCaliforniaStaffForTheStatesOwnItems(StaffRole role, string expected) =>
        Assert.Equal(expected, Keys(role, ClinicIn("CA")));

    [Theory]
    [InlineData(StaffRole.MedicalAssistant, Exposed + ", RESPIRATOR_FIT_TEST, CMA|RMA|CCMA|NCMA, RMA_CCP, CLIA_WAIVED, TB_EDUCATION, FIRE_EXTINGUISHER")]
    [InlineData(StaffRole.Nurse, Exposed + ", RESPIRATOR_FIT_TEST, STATE_LICENSE, CLIA_WAIVED, TB_EDUCATION, FIRE_EXTINGUISHER")]
    [InlineData(StaffRole.LabTechnician, Exposed + ", RESPIRATOR_FIT_TEST, CLIA_COMPETENCY, CLIA_WAIVED, TB_EDUCATION, FIRE_EXTINGUISHER")]
    [InlineData(StaffRole.FrontDesk, "HIPAA, TB_EDUCATION, FIRE_EXTINGUISHER")]
    public void AddsTheConditionalItemsTheClinicsSettingsSwitchOn(StaffRole role, string expected) =>
        Assert.Equal(expected, Keys(role, ClinicIn("OR") with { RequiresRespirators = true, ExpectsExtinguisherUse = true, PerformsWaivedTesting = true }));

    [Theory]
    [InlineData(null, false)]
    [InlineData("2005-12-31", false)]
    [InlineData("2006-01-01", true)]
    [InlineData("2019-06-30", true)]
    public void AsksForAmtCcpPointsOnlyFromRmasCertifiedSince2006(string? certified, bool applies) =>
        Assert.Equal(applies, RequirementPolicy.RmaContinuation.AppliesToHolder([certified is null ? null : DateOnly.Parse(certified, System.Globalization.CultureInfo.InvariantCulture)]));

    [Fact]
    public void EveryDefaultCodeIsInCatalogWhenPolicyIsDefault()
    {
        var roles = Enum.GetValues<StaffRole>();
        var codes = roles.SelectMany(r => RequirementPolicy.Default.For(r, ClinicIn("WA"))).SelectMany(r => r.AnyOf);
        Assert.All(codes, code => Assert.Equal(code, CredentialCatalog.Default.Get(code).Code));
    }

    [Fact]
    public void ThrowsWhenKeyIsNotTheJoinedCodes() =>
        Assert.Throws<ArgumentException>(() => new RequirementPolicy(new Dictionary<StaffRole, IReadOnlyList<Requirement>>
        {
            [StaffRole.Nurse] = [new Requirement("BLS", "BLS", ["BLS", "BLS_ARC"])],
        }));
}
