namespace ComplianceBot.Cli;

/// <summary>What the CLI's exit code means, for scripts.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>Something was only partly done, e.g. some import rows were rejected.</summary>
    public const int Partial = 1;

    /// <summary>Usage or configuration error; the message names the argument or setting.</summary>
    public const int UsageOrConfiguration = 2;
}
