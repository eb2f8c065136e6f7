using ComplianceBot.Application.Retraining;
using ComplianceBot.Domain.Catalog;
using ComplianceBot.Domain.Model;
using ComplianceBot.Domain.Planning;
using ComplianceBot.Application.Reminders;
using ComplianceBot.Application.Reports;
using ComplianceBot.Testing;
using ComplianceBot.Testing.InMemory;

namespace ComplianceBot.Domain.Tests.Services;

public sealed class RetrainingEventServiceTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 15, 0, 0, TimeSpan.Zero);
    private static readonly Clinic Austin = new("austin", "Riverside", "America/Chicago", "TX", ["boss@riverside.example"], 7, Clinic.MondayToFriday);

    private readonly InMemoryRetrainingEventStore _events = new();
    private readonly InMemoryClinicStore _clinics = new();
    private readonly InMemoryAuditLog _audit = new();

    private RetrainingEventService Service(CredentialCatalog? catalog = null) =>
        new(_events, _clinics, catalog ?? CredentialCatalog.Default, _audit, new ManualTimeProvider(Now));

    [Theory]
    [InlineData("new_hazard", null, "OSHA_HAZCOM", 0)]
    [InlineData("policy-change", null, "HIPAA", 30)]
    [InlineData("Method_Change", 3, "CLIA_COMPETENCY", 3)]
    public async Task StoresTheEventAgainstTheItemItReopensWithTheKindsDefaultDays(string kind, int? days, string code, int storedDays)
    {
        await _clinics.UpsertAsync(Austin);

        var result = await Service().RecordAsync(new RetrainingEventRequest(kind, new DateOnly(2026, 3, 5), "  New analyzer  ", "austin", days), "hr@example.org");

        Assert.True(result.Recorded);
        var stored = Assert.Single(await _events.ListAsync());
        Assert.Equal(new RetrainingEvent(code, new DateOnly(2026, 3, 5), storedDays, "New analyzer", "austin"), stored);
        var audit = Assert.Single(_audit.Records);
        Assert.Equal(("retraining.add", "austin", code, "ok", Now), (audit.Action, audit.ClinicId, audit.Target, audit.Outcome, audit.At));
    }

    [Theory]
    [InlineData("fire_drill", "Spill", null, null, "kind")]
    [InlineData("new_hazard", " ", null, null, "description")]
    [InlineData("new_hazard", "Spill", "nowhere", null, "clinicId")]
    [InlineData("new_hazard", "Spill", null, -1, "dueWithinDays")]
    [InlineData("new_hazard", "Spill", null, 366, "dueWithinDays")]
    public async Task RefusesAnEventNamingTheFieldThatIsWrong(string kind, string description, string? clinicId, int? days, string field)
    {
        var result = await Service().RecordAsync(new RetrainingEventRequest(kind, new DateOnly(2026, 3, 5), description, clinicId, days), "hr@example.org");

        Assert.False(result.Recorded);
        Assert.Equal(field, result.Field);
        Assert.Empty(await _events.ListAsync());
        Assert.Empty(_audit.Records);
    }

    [Fact]
    public async Task RefusesAnEventForAnItemTheOrganizationSwitchedOff()
    {
        var catalog = CredentialCatalog.Default.WithOverrides(new MemoryStream("""[{ "code": "OSHA_HAZCOM", "enabled": false }]"""u8.ToArray()));

        var result = await Service(catalog).RecordAsync(new RetrainingEventRequest("new_hazard", new DateOnly(2026, 3, 5), "Spill"), "hr@example.org");

        Assert.Equal(("kind", "OSHA_HAZCOM is switched off in this organization's catalog, so a new_hazard event would change nothing"), (result.Field, result.Problem));
    }

    [Fact]
    public async Task ReopensHazComForEveryoneTrainedBeforeANewHazard()
    {
        await _clinics.UpsertAsync(Austin);
        var result = await Service().RecordAsync(new RetrainingEventRequest("new_hazard", new DateOnly(2026, 3, 5), "New disinfectant", "austin", 7), "hr@example.org");
        var ma = new StaffMember("E1", "Ana", "Lopez", "ana@riverside.example", "austin", StaffRole.MedicalAssistant, new DateOnly(2020, 1, 6), "TX", null, true);
        var evaluator = new ComplianceEvaluator(CredentialCatalog.Default, RequirementPolicy.Default);

        var status = evaluator.Evaluate(Austin, ma, [new CredentialRecord("E1", "HAZCOM", new DateOnly(2026, 1, 10), null, null, "test", true)], [result.Event!], new DateOnly(2026, 3, 6))
            .Requirements.Single(r => r.RequirementKey == "OSHA_HAZCOM");

        Assert.Equal(new DateOnly(2026, 3, 12), status.DueDate);
        Assert.Equal(ComplianceState.Expiring, status.State);
    }
}
