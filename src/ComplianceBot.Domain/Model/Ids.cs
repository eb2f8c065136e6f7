using System.Text.RegularExpressions;

namespace ComplianceBot.Domain.Model;

/// <summary>What a clinic id and an employee id may look like: checked where ids enter (imports, the API's routes).</summary>
public static partial class Ids
{
    /// <summary>The rule for a clinic id, as a row or field error says it.</summary>
    public const string ClinicIdRule = "use 2-63 lower-case letters, digits and hyphens, starting with a letter or digit";

    /// <summary>The rule for an employee id, as a row or field error says it.</summary>
    public const string EmployeeIdRule = "may contain only letters, digits, '.', '_' and '-' (at most 64), and not only dots ('.' and '..' cannot be part of a web address)";

    public static bool IsClinicId(string? id) => id is not null && ClinicIdPattern().IsMatch(id);

    public static bool IsEmployeeId(string? id) => id is not null && EmployeeIdPattern().IsMatch(id);

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,62}$")]
    private static partial Regex ClinicIdPattern();

    [GeneratedRegex("^(?!\\.+$)[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex EmployeeIdPattern();
}
