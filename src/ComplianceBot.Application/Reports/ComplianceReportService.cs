using ComplianceBot.Application.Reminders;
using ComplianceBot.Domain.Model;
using ComplianceBot.Domain.Planning;
using ComplianceBot.Application.Ports;

namespace ComplianceBot.Application.Reports;

/// <summary>A clinic's compliance on one date: what a surveyor asks for.</summary>
/// <param name="DatesToCorrect">Placeholder dates of its active staff, read as absent, for HR to correct.</param>
public sealed record ClinicCompliance(Clinic Clinic, DateOnly AsOf, IReadOnlyList<StaffCompliance> Staff, IReadOnlyList<ImplausibleDate> DatesToCorrect);

/// <summary>Answers "who was compliant with what on date X" for a clinic or one person.</summary>
public sealed class ComplianceReportService(
    IClinicStore clinics,
    IStaffStore staff,
    ICredentialRecordStore records,
    IRetrainingEventStore retrainingEvents,
    ReminderPlanner planner)
{
    /// <summary>Status of every active staff member of the clinic against every requirement; null when there is no such clinic.</summary>
    public async Task<ClinicCompliance?> ForClinicAsync(string clinicId, DateOnly asOf, CancellationToken cancellationToken = default)
    {
        var clinic = await clinics.GetAsync(clinicId, cancellationToken).ConfigureAwait(false);
        if (clinic is null) return null;
        var people = await staff.ListByClinicAsync(clinic.Id, cancellationToken).ConfigureAwait(false);
        var held = await records.ListByClinicAsync(clinic.Id, cancellationToken).ConfigureAwait(false);
        var events = await retrainingEvents.ListAsync(cancellationToken).ConfigureAwait(false);
        var input = new PlanningInput(clinic, people, held, events, asOf, null, new HashSet<string>());
        var active = people.Where(p => p.Active).ToList();
        return new ClinicCompliance(clinic, asOf, planner.Evaluate(input, active), PlausibleDates.Find(active, held));
    }

    /// <summary>One person's statuses (active or not); null when there is no such person.</summary>
    public async Task<(Clinic Clinic, StaffCompliance Compliance)?> ForStaffAsync(string employeeId, DateOnly asOf, CancellationToken cancellationToken = default)
    {
        var person = await staff.GetAsync(employeeId, cancellationToken).ConfigureAwait(false);
        if (person is null) return null;
        var clinic = await clinics.GetAsync(person.ClinicId, cancellationToken).ConfigureAwait(false);
        if (clinic is null) return null;
        var held = await records.ListByStaffAsync(clinic.Id, person.EmployeeId, cancellationToken).ConfigureAwait(false);
        var events = await retrainingEvents.ListAsync(cancellationToken).ConfigureAwait(false);
        var input = new PlanningInput(clinic, [person], held, events, asOf, null, new HashSet<string>());
        return (clinic, planner.Evaluate(input, [person])[0]);
    }

    /// <summary>Today's local date in the clinic's time zone.</summary>
    public static DateOnly Today(Clinic clinic, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        return DateOnly.FromDateTime(ReminderRunService.LocalTime(clinic, time.GetUtcNow()));
    }
}
