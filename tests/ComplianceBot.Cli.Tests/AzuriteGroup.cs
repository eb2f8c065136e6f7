using ComplianceBot.Testing;

namespace ComplianceBot.Cli.Tests;

/// <summary>One Azurite process for every CLI test class; each test gets its own table prefix.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteGroup : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
