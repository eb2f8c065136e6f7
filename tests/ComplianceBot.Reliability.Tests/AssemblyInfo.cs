namespace ComplianceBot.Reliability.Tests;
