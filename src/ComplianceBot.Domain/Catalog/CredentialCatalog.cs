using System.Text.Json;
using System.Text.Json.Serialization;

namespace ComplianceBot.Domain.Catalog;

/// <summary>
/// The credential types a practice tracks, loaded from JSON (an embedded default, optionally
/// overridden per organization). Codes are short, stable and upper-case; aliases resolve to codes.
/// </summary>
/// <remarks>
/// A malformed catalog is a configuration error, so <see cref="Load"/> and <see cref="WithOverrides"/>
/// throw <see cref="InvalidDataException"/> naming the offending entry; load it at start-up.
/// </remarks>
public sealed class CredentialCatalog
{
    /// <summary>Name of the embedded default catalog resource.</summary>
    public const string DefaultResourceName = "ComplianceBot.Domain.default-catalog.json";

    private static readonly Lazy<CredentialCatalog> DefaultCatalog = new(LoadEmbedded);

    internal static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        AllowOutOfOrderMetadataProperties = true,
        AllowTrailingCommas = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly Dictionary<string, CredentialType> _byKey;

    private CredentialCatalog(IReadOnlyList<CredentialType> types, IReadOnlyList<int>? defaultThresholds = null)
    {
        DefaultThresholds = defaultThresholds ?? CredentialTypeDefaults.ReminderThresholds;
        types = types.Select(t => t.InheritsThresholds ? t with { ReminderThresholds = DefaultThresholds } : t).ToList();
        All = types;
        _byKey = new Dictionary<string, CredentialType>(StringComparer.Ordinal);
        foreach (var type in types)
        {
            if (!_byKey.TryAdd(type.Code, type))
            {
                throw new InvalidDataException($"Credential code '{type.Code}' is used twice in the catalog.");
            }
        }

        foreach (var type in types)
        {
            foreach (var alias in type.Aliases ?? [])
            {
                var key = Normalize(alias);
                if (_byKey.TryGetValue(key, out var existing) && existing.Code != type.Code)
                {
                    throw new InvalidDataException($"Alias '{alias}' of '{type.Code}' is already taken by '{existing.Code}'.");
                }

                _byKey[key] = type;
            }
        }
    }

    /// <summary>The catalog shipped with ComplianceBot (embedded <c>default-catalog.json</c>).</summary>
    public static CredentialCatalog Default => DefaultCatalog.Value;

    /// <summary>Every type, enabled or not, in file order.</summary>
    public IReadOnlyList<CredentialType> All { get; }

    /// <summary>
    /// Thresholds of every entry without its own, and of codes the catalog does not know: the organization's
    /// <c>Reminders:DefaultThresholds</c> once <see cref="WithDefaultThresholds"/> applied them. Largest first.
    /// </summary>
    public IReadOnlyList<int> DefaultThresholds { get; }

    /// <summary>
    /// The one place an item's reminder thresholds are decided (days before the due date, largest first):
    /// the entry's own, else <see cref="DefaultThresholds"/>. The planner sends on them and the evaluator
    /// calls an item "expiring" from the largest one, so both always agree.
    /// </summary>
    public IReadOnlyList<int> ThresholdsOf(CredentialType? type) =>
        type is null ? DefaultThresholds
        : type.InheritsThresholds ? DefaultThresholds
        : type.ReminderThresholds;

    /// <summary>
    /// A copy whose entries without thresholds of their own (and unknown codes) use <paramref name="thresholds"/>,
    /// e.g. <c>Reminders:DefaultThresholds = 45,10</c>.
    /// </summary>
    /// <exception cref="InvalidDataException">A threshold is negative or none is given.</exception>
    public CredentialCatalog WithDefaultThresholds(IReadOnlyList<int> thresholds)
    {
        ArgumentNullException.ThrowIfNull(thresholds);
        if (thresholds.Count == 0 || thresholds.Any(t => t < 0))
        {
            throw new InvalidDataException("Default reminder thresholds must be one or more days, each zero or more.");
        }

        return new CredentialCatalog(All, [.. thresholds.Distinct().OrderDescending()]);
    }

    /// <summary>Loads a complete catalog: a JSON array of entries (see <c>default-catalog.json</c>).</summary>
    public static CredentialCatalog Load(Stream json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var entries = Read(json);
        return new CredentialCatalog(entries.Select((e, i) => e.ToNewType(i)).ToList());
    }

    /// <summary>
    /// A copy with an organization's overrides applied. The JSON is an array of partial entries keyed
    /// by <c>code</c> (an alias works too): present fields replace the catalog's, e.g.
    /// <c>{"code":"HIPAA","rule":{"kind":"EventDriven","dueWithinDaysOfHire":14}}</c> (no refresher),
    /// <c>{"code":"FLU_VACCINE","enabled":false}</c>, <c>{"code":"BLS","reminderThresholds":[60,30,0]}</c>.
    /// An unknown code adds a new type and must then carry every required field.
    /// </summary>
    public CredentialCatalog WithOverrides(Stream json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var types = All.ToList();
        var entries = Read(json);
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            if (entry.Code is not null && TryResolve(entry.Code, out var existing))
            {
                var index = types.FindIndex(t => t.Code == existing.Code);
                types[index] = entry.ApplyTo(types[index]);
            }
            else
            {
                types.Add(entry.ToNewType(i));
            }
        }

        return new CredentialCatalog(types, DefaultThresholds);
    }

    /// <summary>
    /// Finds a type by code or alias: case-insensitive, trimmed, and spaces, hyphens and dots read as
    /// underscores ("wa ma-c" finds <c>WA_MAC</c>). Disabled types resolve too; callers decide.
    /// </summary>
    public bool TryResolve(string? codeOrAlias, out CredentialType type)
    {
        type = null!;
        if (string.IsNullOrWhiteSpace(codeOrAlias)) return false;
        if (!_byKey.TryGetValue(Normalize(codeOrAlias), out var found)) return false;
        type = found;
        return true;
    }

    /// <summary>The type with this code (or alias).</summary>
    /// <exception cref="KeyNotFoundException">No such code or alias.</exception>
    public CredentialType Get(string code) =>
        TryResolve(code, out var type)
            ? type
            : throw new KeyNotFoundException($"Credential code '{code}' is not in the catalog.");

    /// <summary>
    /// Writes the whole catalog in the same JSON shape <see cref="Load"/> reads; an entry that inherits the
    /// default thresholds is written without any, so it inherits again when read back.
    /// </summary>
    public void WriteTo(Stream utf8Json)
    {
        ArgumentNullException.ThrowIfNull(utf8Json);
        JsonSerializer.Serialize(utf8Json, All.Select(t => t.InheritsThresholds ? t with { ReminderThresholds = null! } : t), JsonOptions);
    }

    /// <summary>The canonical form of a code or alias: trimmed, upper-case, separators as '_'.</summary>
    public static string Normalize(string codeOrAlias)
    {
        ArgumentNullException.ThrowIfNull(codeOrAlias);
        var chars = codeOrAlias.Trim().ToUpperInvariant().ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (chars[i] is ' ' or '-' or '.') chars[i] = '_';
        }

        return new string(chars);
    }

    private static CredentialCatalog LoadEmbedded()
    {
        using var stream = typeof(CredentialCatalog).Assembly.GetManifestResourceStream(DefaultResourceName)
            ?? throw new InvalidOperationException($"Embedded resource '{DefaultResourceName}' is missing.");
        return Load(stream);
    }

    private static List<CatalogEntry> Read(Stream json)
    {
        try
        {
            return JsonSerializer.Deserialize<List<CatalogEntry>>(json, JsonOptions)
                ?? throw new InvalidDataException("The credential catalog JSON is null; expected an array of entries.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"The credential catalog JSON is invalid: {ex.Message}", ex);
        }
    }

    /// <summary>One entry as written in JSON; every field optional so overrides can be partial.</summary>
    private sealed class CatalogEntry
    {
        public string? Code { get; set; }
        public string? Name { get; set; }
        public string? Issuer { get; set; }
        public CredentialCategory? Category { get; set; }
        public ExpiryRule? Rule { get; set; }
        public RuleBasis? Basis { get; set; }
        public List<int>? ReminderThresholds { get; set; }
        public string? RenewalSteps { get; set; }
        public string? SourceUrl { get; set; }
        public LapseWindow? Lapse { get; set; }
        public List<string>? Aliases { get; set; }
        public bool? Enabled { get; set; }

        public CredentialType ToNewType(int index)
        {
            var code = Code is null ? null : Normalize(Code);
            string Required(string? value, string field) =>
                string.IsNullOrWhiteSpace(value)
                    ? throw new InvalidDataException($"Catalog entry {index} ({code ?? "no code"}) needs '{field}'.")
                    : value;

            var type = new CredentialType(
                Required(code, "code"),
                Required(Name, "name"),
                Required(Issuer, "issuer"),
                Category ?? throw Missing(index, code, "category"),
                Rule ?? throw Missing(index, code, "rule"),
                Basis ?? throw Missing(index, code, "basis"),
                ReminderThresholds ?? [.. CredentialTypeDefaults.ReminderThresholds],
                Required(RenewalSteps, "renewalSteps"),
                Required(SourceUrl, "sourceUrl"),
                Lapse,
                Aliases,
                Enabled ?? true,
                InheritsThresholds: ReminderThresholds is null);
            return Validated(type);
        }

        public CredentialType ApplyTo(CredentialType type) => Validated(type with
        {
            Name = Name ?? type.Name,
            Issuer = Issuer ?? type.Issuer,
            Category = Category ?? type.Category,
            Rule = Rule ?? type.Rule,
            Basis = Basis ?? type.Basis,
            ReminderThresholds = ReminderThresholds ?? type.ReminderThresholds,
            InheritsThresholds = ReminderThresholds is null && type.InheritsThresholds,
            RenewalSteps = RenewalSteps ?? type.RenewalSteps,
            SourceUrl = SourceUrl ?? type.SourceUrl,
            Lapse = Lapse ?? type.Lapse,
            Aliases = Aliases ?? type.Aliases,
            Enabled = Enabled ?? type.Enabled,
        });

        private static InvalidDataException Missing(int index, string? code, string field) =>
            new($"Catalog entry {index} ({code ?? "no code"}) needs '{field}'.");

        private static CredentialType Validated(CredentialType type)
        {
            if (!type.Code.All(c => c is (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_'))
            {
                throw new InvalidDataException($"Credential code '{type.Code}' may hold only A-Z, 0-9 and '_'.");
            }

            if (type.ReminderThresholds.Any(t => t < 0))
            {
                throw new InvalidDataException($"Reminder thresholds of '{type.Code}' must be zero or more days.");
            }

            // A window in months may end a day early ("3 years or more" closes the day before the third anniversary).
            if (type.Lapse is { Months: < 0 } or { Months: 0, Days: < 0 } or { Months: > 0, Days: < -1 })
            {
                throw new InvalidDataException($"The lapse window of '{type.Code}' must be zero or more days.");
            }

            // Planners walk thresholds from the earliest reminder to the last; keep them sorted, largest first.
            return type with
            {
                ReminderThresholds = type.ReminderThresholds.Distinct().OrderDescending().ToArray(),
                Aliases = type.Aliases?.Select(Normalize).Distinct().ToArray(),
            };
        }
    }
}

/// <summary>Defaults shared by catalog entries.</summary>
public static class CredentialTypeDefaults
{
    /// <summary>
    /// Days before the due date at which reminders go out for entries without their own, until the
    /// organization's <c>Reminders:DefaultThresholds</c> replaces them (<see cref="CredentialCatalog.WithDefaultThresholds"/>).
    /// </summary>
    public static readonly IReadOnlyList<int> ReminderThresholds = [90, 60, 30, 14, 7, 1, 0];
}
