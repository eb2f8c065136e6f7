using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace ComplianceBot.Storage.Queues;

/// <summary>
/// The clinic-run queue's name: the app setting <c>ClinicRunQueue</c>, which the queue function's trigger reads as
/// <c>%ClinicRunQueue%</c> and the timers enqueue to, so both always mean the same queue. Runs that fail every
/// attempt go to <c>{name}-poison</c>, the Functions host's convention.
/// </summary>
public static partial class ClinicRunQueueName
{
    public const string Setting = "ClinicRunQueue";

    /// <summary>The name infra/ sets, and the local host's and the CLI's default.</summary>
    public const string Default = "clinic-runs";

    public const string PoisonSuffix = "-poison";

    /// <summary>The name in force: the setting's value, or <see cref="Default"/>; a name Azure would refuse is an error naming the rule.</summary>
    public static string In(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var name = configuration[Setting];
        if (string.IsNullOrWhiteSpace(name)) return Default;
        return Valid().IsMatch(name) && !name.Contains("--", StringComparison.Ordinal)
            ? name
            : throw new InvalidOperationException($"{Setting} '{name}' is not a usable queue name: 3 to {63 - PoisonSuffix.Length} lowercase letters, digits and single hyphens, starting and ending with a letter or digit (the poison queue adds '{PoisonSuffix}' and must stay within Azure's 63).");
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,54}[a-z0-9]$")]
    private static partial Regex Valid();
}
