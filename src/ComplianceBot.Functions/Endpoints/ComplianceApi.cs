using System.Security.Claims;
using System.Text;
using ComplianceBot.Files;
using ComplianceBot.Application.Ports;
using ComplianceBot.Application.Reminders;
using ComplianceBot.Application.Reports;
using ComplianceBot.Functions.Security;

namespace ComplianceBot.Functions.Endpoints;

/// <summary>The surveyor report and the preview of what the timers will send.</summary>
public static class ComplianceApi
{
    public static IEndpointRouteBuilder MapCompliance(this IEndpointRouteBuilder app)
    {
        app.MapGet(FunctionEndpoints.PathOf("GetCompliance"), GetComplianceAsync).AsFunction("GetCompliance");
        app.MapGet(FunctionEndpoints.PathOf("GetPreview"), GetPreviewAsync).AsFunction("GetPreview");
        return app;
    }

    private static async Task<IResult> GetComplianceAsync(
        string clinicId, string? asOf, string? format, HttpContext context, ClaimsPrincipal user, ClinicAccess access, ComplianceReportService reports, IAuditLog audit, TimeProvider time, CancellationToken ct)
    {
        var clinic = await access.GetReadableAsync(user, clinicId, ct);
        if (clinic is null) return FunctionEndpoints.NotFound("Clinic");
        if (!RequestEdge.TryAsOf(asOf, out var date, out var badDate)) return FunctionEndpoints.Validation("asOf", badDate!);
        var csv = string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase);
        if (format is not null && !csv && !string.Equals(format, "json", StringComparison.OrdinalIgnoreCase))
        {
            return FunctionEndpoints.Validation("format", "is json or csv");
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
        return TypedResults.Ok(new ClinicComplianceDto(clinic.Id, report.AsOf, staff.Count, staff.Count(s => s.NeedsAction), staff));
    }

    private static async Task<IResult> GetPreviewAsync(
        string clinicId, string? asOf, ClaimsPrincipal user, ClinicAccess access, ReminderRunService runs, IAuditLog audit, TimeProvider time, CancellationToken ct)
    {
        var clinic = await access.GetReadableAsync(user, clinicId, ct);
        if (clinic is null) return FunctionEndpoints.NotFound("Clinic");
        if (!RequestEdge.TryAsOf(asOf, out var date, out var badDate)) return FunctionEndpoints.Validation("asOf", badDate!);
        var plan = await runs.PreviewAsync(clinic.Id, date ?? ComplianceReportService.Today(clinic, time), ct);
        await audit.AppendAsync(new AuditRecord(time.GetUtcNow(), ClinicAccess.Actor(user), "read.preview", clinic.Id, clinic.Id, "ok", $"asOf={plan!.AsOf:yyyy-MM-dd}"), ct);
        return TypedResults.Ok(PreviewDto.From(plan));
    }
}
