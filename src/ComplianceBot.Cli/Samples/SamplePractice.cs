using System.Globalization;
using System.Text;
using ComplianceBot.Domain.Model;

namespace ComplianceBot.Cli.Samples;

/// <summary>
/// A fictitious three-clinic practice for demos and tests. Record dates are generated relative to
/// the run date so that every status appears whenever it runs: current, expiring at each reminder
/// threshold, due today, expired inside and outside the CMA lapse window, missing, and a printed
/// date that disagrees with the issuer's rule. No real people.
/// </summary>
public static class SamplePractice
{
    public static IReadOnlyList<Clinic> Clinics { get; } =
    [
        new("seattle-north", "Northgate Family Medicine (Seattle)", "America/Los_Angeles", "WA", ["dana.okafor@northgate.example"], 8, Clinic.MondayToFriday),
        new("austin-central", "Riverside Primary Care (Austin)", "America/Chicago", "TX", ["marcus.lindqvist@riverside.example"], 7, Clinic.MondayToFriday),
        new("boston-harbor", "Harborview Pediatrics (Boston)", "America/New_York", "MA", ["priya.raman@harborview.example", "office@harborview.example"], 8,
            new HashSet<DayOfWeek> { DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday, DayOfWeek.Saturday }),
    ];

    private sealed record Person(string Id, string First, string Last, string Clinic, string Role, int HiredDaysAgo, string? Birthday = null, bool Active = true);

    private static readonly Person[] People =
    [
        new("NG-1001", "Dana", "Okafor", "seattle-north", "office_manager", 2900),
        new("NG-1002", "Lucia", "Ferreira", "seattle-north", "medical_assistant", 1400, "03-14"),
        new("NG-1003", "Tomas", "Haugen", "seattle-north", "medical_assistant", 900, "07-02"),
        new("NG-1004", "Aisha", "Bello", "seattle-north", "medical_assistant", 600, "11-30"),
        new("NG-1005", "Kenji", "Moriyama", "seattle-north", "medical_assistant", 20, "02-29"),
        new("NG-1006", "Rosa", "Delgado", "seattle-north", "nurse", 2100),
        new("NG-1007", "Owen", "Prescott", "seattle-north", "provider", 3000),
        new("NG-1008", "Mei", "Lindgren", "seattle-north", "phlebotomist", 700),
        new("NG-1009", "Samir", "Haddad", "seattle-north", "front_desk", 400),
        new("NG-1010", "Greta", "Vance", "seattle-north", "medical_assistant", 1800, "05-21", Active: false),
        new("RV-2001", "Marcus", "Lindqvist", "austin-central", "office_manager", 3100),
        new("RV-2002", "Yolanda", "Reyes", "austin-central", "medical_assistant", 1200),
        new("RV-2003", "Brandon", "Tate", "austin-central", "medical_assistant", 800),
        new("RV-2004", "Imani", "Okoye", "austin-central", "medical_assistant", 500),
        new("RV-2005", "Hector", "Salas", "austin-central", "medical_assistant", 60),
        new("RV-2006", "Claire", "Dubois", "austin-central", "nurse", 1500),
        new("RV-2007", "Victor", "Anand", "austin-central", "provider", 2500),
        new("RV-2008", "Nadia", "Petrova", "austin-central", "lab_technician", 250),
        new("RV-2009", "Eli", "Brooks", "austin-central", "front_desk", 900),
        new("RV-2010", "Fatima", "Zahra", "austin-central", "medical_assistant", 1000),
        new("HV-3001", "Priya", "Raman", "boston-harbor", "office_manager", 2600),
        new("HV-3002", "Connor", "Walsh", "boston-harbor", "medical_assistant", 1300),
        new("HV-3003", "Amara", "Nwosu", "boston-harbor", "medical_assistant", 700),
        new("HV-3004", "Luis", "Ortega", "boston-harbor", "medical_assistant", 450),
        new("HV-3005", "Sofia", "Marchetti", "boston-harbor", "medical_assistant", 10),
        new("HV-3006", "Grace", "Kimura", "boston-harbor", "nurse", 1900),
        new("HV-3007", "Daniel", "Abara", "boston-harbor", "provider", 2800),
        new("HV-3008", "Hannah", "Becker", "boston-harbor", "phlebotomist", 300),
        new("HV-3009", "Jonah", "Feld", "boston-harbor", "front_desk", 1100),
        new("HV-3010", "Leila", "Haddad", "boston-harbor", "medical_assistant", 1600),
    ];

    /// <summary>The roster as CSV (the import format), for the run date.</summary>
    public static string RosterCsv(DateOnly today) => RosterCsv(_ => today);

    /// <summary>
    /// The roster as CSV with hire dates relative to each clinic's own run date (clinics in different
    /// time zones and with different business days run on different local dates).
    /// </summary>
    public static string RosterCsv(Func<string, DateOnly> runDateOfClinic)
    {
        ArgumentNullException.ThrowIfNull(runDateOfClinic);
        var sb = new StringBuilder("employee_id,first_name,last_name,email,clinic_id,role,hire_date,state,birth_month_day,active\n");
        foreach (var p in People)
        {
            var today = runDateOfClinic(p.Clinic);
            var clinic = Clinics.First(c => c.Id == p.Clinic);
            var domain = clinic.ManagerEmails[0].Split('@')[1];
            sb.Append(CultureInfo.InvariantCulture,
                $"{p.Id},{p.First},{p.Last},{p.First.ToLowerInvariant()}.{p.Last.ToLowerInvariant()}@{domain},{p.Clinic},{p.Role},{today.AddDays(-p.HiredDaysAgo):yyyy-MM-dd},{clinic.State},{p.Birthday},{(p.Active ? "true" : "false")}\n");
        }

        return sb.ToString();
    }

    /// <summary>Training records as CSV (the import format), with dates relative to <paramref name="today"/>.</summary>
    public static string RecordsCsv(DateOnly today) => RecordsCsv(_ => today);

    /// <summary>
    /// Training records as CSV with dates relative to each clinic's own run date, so that every status
    /// appears on the date each clinic actually runs (e.g. the next business day in its time zone).
    /// </summary>
    public static string RecordsCsv(Func<string, DateOnly> runDateOfClinic)
    {
        ArgumentNullException.ThrowIfNull(runDateOfClinic);
        var sb = new StringBuilder("employee_id,credential,issued_on,expires_on,credential_number\n");
        foreach (var clinic in Clinics) AppendRecords(sb, clinic.Id, runDateOfClinic(clinic.Id));
        return sb.ToString();
    }

    // Every clinic's rows are generated by the same walk over all people, so the threshold each person
    // gets does not depend on which clinics are written; rows of other clinics are skipped.
    private static void AppendRecords(StringBuilder sb, string clinicId, DateOnly today)
    {
        void Add(string id, string code, DateOnly? issued, DateOnly? expires = null, string? number = null)
        {
            if (People.First(p => p.Id == id).Clinic != clinicId) return;
            sb.Append(CultureInfo.InvariantCulture, $"{id},{code},{issued:yyyy-MM-dd},{expires:yyyy-MM-dd},{number}\n");
        }

        // A card printed to expire in `days`, issued 24 months earlier. Red Cross cards carry the exact day;
        // AHA cards run to the end of the month, so theirs is printed as the month's last day.
        void Card(string id, string code, int days)
        {
            var expires = today.AddDays(days);
            if (code != "BLS_ARC") expires = new DateOnly(expires.Year, expires.Month, DateTime.DaysInMonth(expires.Year, expires.Month));
            Add(id, code, today.AddDays(days).AddMonths(-24), expires, "C" + id[3..] + code.Length);
        }

        // AHA cards: two years, through the end of the month of issue, as printed on the card.
        static DateOnly AhaExpiry(DateOnly issued)
        {
            var month = issued.AddMonths(24);
            return new DateOnly(month.Year, month.Month, DateTime.DaysInMonth(month.Year, month.Month));
        }

        // Trainings completed `daysAgo` days ago; the catalog computes when they are next due.
        void Done(string id, string code, int daysAgo) => Add(id, code, today.AddDays(-daysAgo));

        var thresholds = new[] { 90, 60, 30, 14, 7, 1, 0 };
        var i = 0;
        foreach (var p in People.Where(p => p.Role is not "office_manager" and not "front_desk"))
        {
            // Every clinical person holds a BLS card; the first ones (Red Cross, dated to the day) walk through the thresholds.
            var days = i < thresholds.Length ? thresholds[i] : 200 + (i * 11);
            Card(p.Id, i < thresholds.Length || i % 4 == 3 ? "BLS_ARC" : "BLS", days);
            i++;
        }

        foreach (var p in People.Where(p => p.Active))
        {
            // Annual trainings: most current, a few overdue.
            Done(p.Id, "HIPAA", p.Id.EndsWith('4') ? 380 : 120);
            Done(p.Id, "OSHA_HAZCOM", p.Id.EndsWith('3') ? 372 : 200);
            if (!p.Id.EndsWith('5')) Done(p.Id, "TB_EDUCATION", p.Id.EndsWith('6') ? 355 : 90);
        }

        foreach (var p in People.Where(p => p.Role is "medical_assistant" or "nurse" or "provider" or "phlebotomist" or "lab_technician"))
        {
            Done(p.Id, "OSHA_BBP", p.Id.EndsWith('2') ? 340 : 150);

            // Hepatitis B: offered once; either outcome closes it. New hires (ending in 5) have not answered yet.
            if (!p.Id.EndsWith('5')) Done(p.Id, p.Id.EndsWith('7') ? "HEPB_DECLINATION" : "HEPB_VACCINATION", 400);
        }

        // Certifications of medical assistants.
        Add("NG-1002", "CMA", today.AddMonths(-60).AddDays(-45));           // expired, inside the 90-day CE window
        Add("NG-1003", "CMA", today.AddMonths(-60).AddDays(-130));          // expired, CE route closed
        Add("NG-1004", "CCMA", today.AddMonths(-23), null, "NHA-448812");  // expiring within 30 days
        Add("RV-2002", "RMA", today.AddMonths(-11).AddDays(-20));           // dues due within 2 weeks
        Add("RV-2003", "NCMA", today.AddMonths(-4));
        Add("RV-2004", "CMA", today.AddMonths(-30));
        Add("HV-3002", "CMA", today.AddMonths(-10), today.AddMonths(60).AddDays(75)); // printed date disagrees: check it
        Add("HV-3003", "CCMA", today.AddMonths(-6));
        Add("HV-3004", "RMA", today.AddMonths(-3));
        Add("HV-3010", "CMA", today.AddMonths(-40));
        Add("RV-2010", "CCMA", today.AddMonths(-20));
        // RV-2005, HV-3005 and NG-1005 are new hires: certification missing (inside or past the grace period).

        // Washington clinic: MA-C on the birthday.
        Add("NG-1002", "WA_MAC", today.AddMonths(-7));
        Add("NG-1003", "WA_MAC", today.AddMonths(-13));
        Add("NG-1004", "WA_MAC", today.AddMonths(-2));
        Add("RV-2002", "RMA_CCP", today.AddMonths(-30));

        // Phlebotomy, lab and the rest.
        Add("NG-1008", "CPT", today.AddMonths(-22));
        Add("HV-3008", "CPT", today.AddMonths(-8));
        Add("RV-2008", "CLIA_COMPETENCY", today.AddMonths(-5));
        Add("RV-2006", "ACLS", today.AddMonths(-23).AddDays(-10), AhaExpiry(today.AddMonths(-23).AddDays(-10)));
        Add("HV-3006", "PALS", today.AddMonths(-12), AhaExpiry(today.AddMonths(-12)));
        Add("NG-1006", "TB_SCREENING", today.AddDays(-2000));
        Add("RV-2007", "FLU_VACCINE", today.AddDays(-300));
    }
}
