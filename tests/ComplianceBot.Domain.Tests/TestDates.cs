using System.Globalization;

namespace ComplianceBot.Domain.Tests;

internal static class TestDates
{
    public static DateOnly D(string isoDate) =>
        DateOnly.ParseExact(isoDate, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static DateOnly? OrNull(string? isoDate) => isoDate is null ? null : D(isoDate);
}
