using ComplianceBot.Domain.Catalog;
using ComplianceBot.Domain.Model;

namespace ComplianceBot.Domain.Tests;

public class RequirementPolicyTests
{
    private static Clinic ClinicIn(string state, bool waives = false) =>
        new("c1", "Clinic", "America/Los_Angeles", state, ["m@example.test"], 8, Clinic.MondayToFriday, waives);

    private static string Keys(StaffRole role, Clinic clinic) =>
        string.Join(", ", RequirementPolicy.Default.For(role, clinic).Select(r => r.Key));

    [Theory]
    [InlineData(StaffRole.MedicalAssistant, "BLS|BLS_ARC, HIPAA, OSHA_BBP, OSHA_HAZCOM, CMA|RMA|CCMA|NCMA")]
    [InlineData(StaffRole.OfficeManager, "HIPAA, OSHA_HAZCOM")]
    [InlineData(StaffRole.Nurse, "BLS|BLS_ARC, HIPAA, OSHA_BBP, OSHA_HAZCOM")]
    [InlineData(StaffRole.Provider, "BLS|BLS_ARC, HIPAA, OSHA_BBP, OSHA_HAZCOM")]
    [InlineData(StaffRole.Phlebotomist, "BLS|BLS_ARC, HIPAA, OSHA_BBP, OSHA_HAZCOM, CPT")]
    [InlineData(StaffRole.LabTechnician, "BLS|BLS_ARC, HIPAA, OSHA_BBP, OSHA_HAZCOM, CLIA_COMPETENCY")]
    [InlineData(StaffRole.FrontDesk, "HIPAA")]
    [InlineData(StaffRole.Other, "HIPAA")]
    public void ListsRoleRequirementsWhenClinicOutsideWashington(StaffRole role, string expected) =>
        Assert.Equal(expected, Keys(role, ClinicIn("OR")));

    [Theory]
    [InlineData("WA")]
    [InlineData("wa")]
    [InlineData(" WA ")]
    public void AddsWaMacWhenClinicInWashington(string state) =>
        Assert.Equal(
            "BLS|BLS_ARC, HIPAA, OSHA_BBP, OSHA_HAZCOM, CMA|RMA|CCMA|NCMA, WA_MAC",
            Keys(StaffRole.MedicalAssistant, ClinicIn(state)));

    [Fact]
    public void DropsCertificationButKeepsStateCredentialWhenClinicWaivesCertification() =>
        Assert.Equal(
            "BLS|BLS_ARC, HIPAA, OSHA_BBP, OSHA_HAZCOM, WA_MAC",
            Keys(StaffRole.MedicalAssistant, ClinicIn("WA", waives: true)));

    [Fact]
    public void AddsNoStateCredentialWhenRoleIsNotMedicalAssistant() =>
        Assert.Equal("BLS|BLS_ARC, HIPAA, OSHA_BBP, OSHA_HAZCOM", Keys(StaffRole.Nurse, ClinicIn("WA")));

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
