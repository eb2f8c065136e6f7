using System.Security.Claims;
using System.Text;
using ComplianceBot.Files;
using ComplianceBot.Application.Ports;
using ComplianceBot.Application.Reminders;
using ComplianceBot.Application.Reports;
using ComplianceBot.Functions.Hosting;
using ComplianceBot.Functions.Security;
using Microsoft.Azure.Functions.Worker;

namespace ComplianceBot.Functions.Endpoints;

/// <summary>The surveyor report and the preview of what the timers will send.</summary>
public sealed class ComplianceFunctions(ClinicAccess access, ComplianceReportService reports, ReminderRunService runs, IAuditLog audit, TimeProvider time)
{
    [Function("GetCompliance")]
    [Allow(Access.ClinicReader)]
    [Responds(200, 400, 404)]
    [Query("asOf", "The date to evaluate on (YYYY-MM-DD); default: today in the clinic.")]
    [Query("format", "json (default) or csv (the surveyor report, one row per person and credential).")]
    [Operation("The clinic's compliance report: every person, every credential, its status", Returns = typeof(ClinicComplianceDto))]
    public async Task<IResult> GetComplianceAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "clinics/{clinicId}/compliance")] HttpRequest request, string clinicId, CancellationToken ct)
    {
        var user = request.HttpContext.User;
        var asOf = request.Query["asOf"].FirstOrDefault();
        var format = request.Query["format"].FirstOrDefault();
        var clinic = await access.GetReadableAsync(user, clinicId, ct);
        if (clinic is null) return Answers.NotFound("Clinic");
        if (!RequestEdge.TryAsOf(asOf, out var date, out var badDate)) return Answers.InvalidQuery("asOf", badDate!);
        var csv = string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase);
        if (format is not null && !csv && !string.Equals(format, "json", StringComparison.OrdinalIgnoreCase))
        {
            return Answers.InvalidQuery("format", "is json or csv");
        }

        var report = await reports.ForClinicAsync(clinic.Id, date ?? ComplianceReportService.Today(clinic, time), ct);
        await audit.AppendAsync(new AuditRecord(time.GetUtcNow(), ClinicAccess.Actor(user), csv ? "export.compliance.csv" : "read.compliance", clinic.Id, clinic.Id, "ok", $"asOf={report!.AsOf:yyyy-MM-dd}"), ct);
        if (csv)
        {
            return Results.Stream(
                async stream =>
                {
                    await using var writer = new StreamWriter(stream, new UTF8Encoding(true));
                    await ComplianceCsv.WriteReportAsync(report, writer, ct);
                },
                "text/csv; charset=utf-8",
                $"compliance-{clinic.Id}-{report.AsOf:yyyy-MM-dd}.csv");
        }

        var staff = report.Staff.Select(StaffComplianceDto.From).ToList();
        return TypedResults.Ok(new ClinicComplianceDto(clinic.Id, report.AsOf, staff.Count, staff.Count(s => s.NeedsAction), staff, report.DatesToCorrect.Select(DateToCorrectDto.From).ToList()));
    }

    [Function("GetPreview")]
    [Allow(Access.ClinicReader)]
    [Responds(200, 400, 404)]
    [Query("asOf", "The date to plan for (YYYY-MM-DD); default: today in the clinic.")]
    [Operation("What the timers would email for this clinic on that date (nothing is sent)", Returns = typeof(PreviewDto))]
    public async Task<IResult> GetPreviewAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "clinics/{clinicId}/preview")] HttpRequest request, string clinicId, CancellationToken ct)
    {
        var user = request.HttpContext.User;
        var asOf = request.Query["asOf"].FirstOrDefault();
        var clinic = await access.GetReadableAsync(user, clinicId, ct);
        if (clinic is null) return Answers.NotFound("Clinic");
        if (!RequestEdge.TryAsOf(asOf, out var date, out var badDate)) return Answers.InvalidQuery("asOf", badDate!);
        var plan = await runs.PreviewAsync(clinic.Id, date ?? ComplianceReportService.Today(clinic, time), ct);
        await audit.AppendAsync(new AuditRecord(time.GetUtcNow(), ClinicAccess.Actor(user), "read.preview", clinic.Id, clinic.Id, "ok", $"asOf={plan!.AsOf:yyyy-MM-dd}"), ct);
        return TypedResults.Ok(PreviewDto.From(plan));
    }
}
