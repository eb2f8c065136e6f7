namespace ComplianceBot.Domain.Model;

/// <summary>The roles a practice staffs; requirements are defined per role.</summary>
public enum StaffRole
{
    MedicalAssistant,
    OfficeManager,
    Nurse,
    Provider,
    Phlebotomist,
    LabTechnician,
    FrontDesk,
    Other,
}

/// <summary>A month and day without a year, e.g. a birthday that anchors a state credential.</summary>
public readonly record struct MonthDay(int Month, int Day)
{
    /// <summary>The date of this month/day in <paramref name="year"/>; Feb 29 falls on Feb 28 in common years.</summary>
    public DateOnly InYear(int year) =>
        new(year, Month, Math.Min(Day, DateTime.DaysInMonth(year, Month)));

    public override string ToString() => $"{Month:00}-{Day:00}";

    public static bool TryParse(string? text, out MonthDay value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var parts = text.Trim().Split('-', '/');
        if (parts.Length != 2
            || !int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var m)
            || !int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var d))
        {
            return false;
        }

        if (m is < 1 or > 12 || d < 1 || d > DateTime.DaysInMonth(2024, m)) return false;
        value = new MonthDay(m, d);
        return true;
    }
}

/// <summary>A person on a clinic's roster. Employee ids are unique across the organization.</summary>
/// <param name="TestingStartDate">
/// When the person began testing patient specimens; starts the CLIA competency schedule. Null means not
/// recorded, and the hire date stands in.
/// </param>
public sealed record StaffMember(
    string EmployeeId,
    string FirstName,
    string LastName,
    string Email,
    string ClinicId,
    StaffRole Role,
    DateOnly? HireDate,
    string State,
    MonthDay? BirthMonthDay,
    bool Active,
    DateOnly? TestingStartDate = null)
{
    public string DisplayName => $"{FirstName} {LastName}".Trim();
}
