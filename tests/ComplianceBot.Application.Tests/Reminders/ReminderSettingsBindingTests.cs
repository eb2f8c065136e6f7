using ComplianceBot.Application;
using ComplianceBot.Domain.Planning;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ComplianceBot.Application.Tests.Reminders;

/// <summary>Every Reminders:* setting reaches the planner and the run service (the binder is source-generated).</summary>
public sealed class ReminderSettingsBindingTests
{
    [Fact]
    public void BindsEverySettingFromConfiguration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Reminders:OverdueRepeatDays"] = "5",
            ["Reminders:MaxOverdueReminders"] = "4",
            ["Reminders:MissingGraceDays"] = "10",
            ["Reminders:RecentlyRenewedDays"] = "21",
            ["Reminders:ClaimLease"] = "00:00:08",
            ["Reminders:MaxSendAttempts"] = "6",
            ["Reminders:SendConcurrency"] = "2",
            ["Reminders:ClinicConcurrency"] = "3",
            ["Reminders:SendWindowHours"] = "4",
        }).Build();
        using var services = new ServiceCollection().AddLogging().AddComplianceBotApplication(configuration).BuildServiceProvider();

        var settings = services.GetRequiredService<ReminderSettings>();

        Assert.Equal(
            (5, 4, 10, 21, TimeSpan.FromSeconds(8), 6, 2, 3, 4),
            (settings.OverdueRepeatDays, settings.MaxOverdueReminders, settings.MissingGraceDays, settings.RecentlyRenewedDays, settings.ClaimLease, settings.MaxSendAttempts, settings.SendConcurrency, settings.ClinicConcurrency, settings.SendWindowHours));
    }
}
