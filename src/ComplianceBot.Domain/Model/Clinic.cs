namespace ComplianceBot.Domain.Model;

/// <summary>
/// One practice location. Deadlines and send hours are computed in its IANA time zone.
/// </summary>
/// <param name="Id">Stable identifier HR types, e.g. <c>seattle-north</c>.</param>
/// <param name="Name">Display name used in emails.</param>
/// <param name="TimeZoneId">IANA zone, e.g. <c>America/Los_Angeles</c>.</param>
/// <param name="State">Two-letter US state, e.g. <c>WA</c>; drives state credentials.</param>
/// <param name="ManagerEmails">Office managers who receive escalations and the weekly digest.</param>
/// <param name="SendHour">Local hour (0-23) at which reminders go out.</param>
/// <param name="BusinessDays">Local days on which reminders go out.</param>
/// <param name="WaivesCertification">When true, medical assistants need no CMA/RMA/CCMA/NCMA.</param>
/// <param name="RequiresRespirators">Staff wear N95s or other required respirators: clinical staff need a yearly fit test.</param>
/// <param name="ExpectsExtinguisherUse">Staff are expected to use fire extinguishers: everyone needs the training at hire and yearly.</param>
/// <param name="PerformsWaivedTesting">The clinic runs CLIA-waived tests: staff who run them need a yearly competency check (practice default).</param>
/// <param name="ManagerObjectIds">
/// The managers' Microsoft Entra object ids (lower-case GUIDs). When any is listed, a signed-in manager is matched on
/// this stable id only, never on a sign-in name that can be renamed or handed to someone else; when none is, on
/// <paramref name="ManagerEmails"/>.
/// </param>
public sealed record Clinic(
    string Id,
    string Name,
    string TimeZoneId,
    string State,
    IReadOnlyList<string> ManagerEmails,
    int SendHour,
    IReadOnlySet<DayOfWeek> BusinessDays,
    bool WaivesCertification = false,
    bool RequiresRespirators = false,
    bool ExpectsExtinguisherUse = false,
    bool PerformsWaivedTesting = false,
    IReadOnlyList<string>? ManagerObjectIds = null)
{
    public static readonly IReadOnlySet<DayOfWeek> MondayToFriday = new HashSet<DayOfWeek>
    {
        DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday,
    };

    public bool IsBusinessDay(DateOnly localDate) => BusinessDays.Contains(localDate.DayOfWeek);
}
