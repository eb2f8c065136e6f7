namespace ComplianceBot.Email.Templates;

/// <summary>Inline styles (mail clients drop style sheets). Colours meet WCAG AA contrast on white.</summary>
internal static class Styles
{
    public const string H1 = "font-size:24px;line-height:1.3;margin:0 0 16px;color:#111827;";
    public const string H2 = "font-size:20px;line-height:1.3;margin:28px 0 8px;color:#111827;";
    public const string H3 = "font-size:17px;line-height:1.3;margin:20px 0 4px;color:#111827;";
    public const string Table = "border-collapse:collapse;width:100%;margin:8px 0 16px;";
    public const string Caption = "text-align:left;font-weight:bold;padding:0 0 6px;";
    public const string HeaderCell = "text-align:left;vertical-align:top;padding:8px;border:1px solid #6b7280;background-color:#e5e7eb;color:#111827;";
    public const string RowHeader = "text-align:left;vertical-align:top;padding:8px;border:1px solid #6b7280;font-weight:bold;";
    public const string Cell = "text-align:left;vertical-align:top;padding:8px;border:1px solid #6b7280;";

    // Dark red on white (contrast above 7:1); the words say "overdue" too, so colour is never the only cue.
    public const string UrgentCell = "text-align:left;vertical-align:top;padding:8px;border:1px solid #6b7280;color:#991b1b;font-weight:bold;";
    public const string Warning = "margin:4px 0;padding:8px;border-left:4px solid #92400e;background-color:#fffbeb;color:#1f2933;";

    // A button-like link: white on dark blue (contrast above 8:1), large enough to tap on a phone.
    public const string ActionLink = "display:inline-block;padding:12px 20px;margin:8px 0 4px;background-color:#1d4ed8;color:#ffffff;font-weight:bold;text-decoration:none;border-radius:6px;";
}
