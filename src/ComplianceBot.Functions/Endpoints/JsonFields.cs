using System.Text.Json;
using ComplianceBot.Files;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceBot.Functions.Endpoints;

/// <summary>
/// A flat JSON body whose fields are the CSV's columns (a roster row, a renewal), read in either spelling: the
/// camelCase the answers use (<c>issuedOn</c>, <c>employeeId</c>) or the snake_case column names
/// (<c>issued_on</c>). A field the operation does not take is an error, never silently applied: protected data
/// (clinic of a record, ledger, keys) cannot be mass-assigned. So is a field given twice in two spellings.
/// </summary>
internal sealed class JsonFields
{
    private readonly Dictionary<string, string> _sent;
    private readonly bool _camelCase;

    private JsonFields(Dictionary<string, string?> values, Dictionary<string, string> sent, bool camelCase)
    {
        Values = values;
        _sent = sent;
        _camelCase = camelCase;
    }

    /// <summary>The values by column name (snake_case), as the import's row validation reads them.</summary>
    public Dictionary<string, string?> Values { get; }

    /// <summary>
    /// The name to use for a column in an answer about this body: as the caller spelt it, or, for a column the
    /// body did not give, in the spelling the body used (camelCase when any of its fields was camelCase).
    /// </summary>
    public string NameOf(string column) =>
        _sent.TryGetValue(column, out var sent) ? sent : _camelCase ? CamelCase(column) : column;

    /// <summary>A field's column: <c>issuedOn</c>, <c>issued_on</c>, <c>Issued On</c> and <c>ISSUED_ON</c> are all <c>issued_on</c>.</summary>
    public static string ColumnOf(string name) => TabularReader.NormalizeJsonField(name);

    /// <summary>A column in camelCase: <c>issued_on</c> → <c>issuedOn</c>.</summary>
    public static string CamelCase(string column)
    {
        ArgumentNullException.ThrowIfNull(column);
        var parts = column.Split('_', StringSplitOptions.RemoveEmptyEntries);
        return string.Concat(parts.Select((p, i) => i == 0 ? p : char.ToUpperInvariant(p[0]) + p[1..]));
    }

    /// <summary>Reads the body, or a 400 problem keyed by the field as the caller spelt it.</summary>
    public static bool TryRead(JsonElement body, IReadOnlyCollection<string> allowed, out JsonFields fields, out ValidationProblem? problem)
    {
        ArgumentNullException.ThrowIfNull(allowed);
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        var sent = new Dictionary<string, string>(StringComparer.Ordinal);
        var camelCase = false;
        fields = new JsonFields(values, sent, camelCase);
        problem = null;
        if (body.ValueKind != JsonValueKind.Object)
        {
            problem = Answers.Validation("body", "must be a flat JSON object of the fields");
            return false;
        }

        foreach (var property in body.EnumerateObject())
        {
            var column = ColumnOf(property.Name);
            camelCase |= property.Name.Any(char.IsUpper) && !property.Name.Contains('_', StringComparison.Ordinal);
            if (!allowed.Contains(column))
            {
                var names = camelCase ? allowed.Select(CamelCase) : allowed;
                problem = Answers.Validation(property.Name, $"is not a field of this operation (allowed: {string.Join(", ", names)})");
                return false;
            }

            if (sent.TryGetValue(column, out var earlier))
            {
                var reason = earlier == property.Name
                    ? "is given twice: give it once"
                    : $"is the same field as '{earlier}' (both spellings are accepted, not both at once): give it once";
                problem = Answers.Validation(property.Name, reason);
                return false;
            }

            sent[column] = property.Name;
            switch (property.Value.ValueKind)
            {
                case JsonValueKind.String:
                    values[column] = property.Value.GetString();
                    break;
                case JsonValueKind.Null:
                    values[column] = null;
                    break;
                case JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False:
                    values[column] = property.Value.GetRawText();
                    break;
                default:
                    problem = Answers.Validation(property.Name, "must be a string, number, boolean or null");
                    return false;
            }
        }

        fields = new JsonFields(values, sent, camelCase);
        return true;
    }
}
