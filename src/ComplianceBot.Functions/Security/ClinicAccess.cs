using System.Security.Claims;
using ComplianceBot.Domain.Model;
using ComplianceBot.Application.Ports;

namespace ComplianceBot.Functions.Security;

/// <summary>
/// Object-level authorization: HR reads every clinic; a manager reads only the clinics that list them: by
/// Entra object id when the clinic lists any (a stable id), otherwise by sign-in address; for an API key,
/// the clinics the key names.
/// </summary>
public sealed class ClinicAccess(IClinicStore clinics)
{
    public static bool IsHr(ClaimsPrincipal user) => user.IsInRole(Roles.Hr);

    public static string Actor(ClaimsPrincipal user) => user.Identity?.Name ?? "unknown";

    public static bool Manages(ClaimsPrincipal user, Clinic clinic)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(clinic);
        if (!user.IsInRole(Roles.Manager)) return false;
        if (user.FindAll(CallerAuthentication.ClinicClaim).Any(c => c.Value == clinic.Id)) return true;
        if (clinic.ManagerObjectIds is { Count: > 0 } objectIds)
        {
            // Fail closed: a clinic that names its managers' ids is never matched on an address.
            var objectId = user.FindFirstValue(CallerAuthentication.ObjectIdClaim);
            return objectId is not null && objectIds.Contains(objectId, StringComparer.OrdinalIgnoreCase);
        }

        var email = user.FindFirstValue(ClaimTypes.Email);
        return email is not null && clinic.ManagerEmails.Contains(email, StringComparer.OrdinalIgnoreCase);
    }

    public static bool CanRead(ClaimsPrincipal user, Clinic clinic) => IsHr(user) || Manages(user, clinic);

    /// <summary>The clinic if it exists and the user may read it; otherwise null (answered as 404, so existence does not leak).</summary>
    public async Task<Clinic?> GetReadableAsync(ClaimsPrincipal user, string clinicId, CancellationToken cancellationToken)
    {
        var clinic = await clinics.GetAsync(clinicId, cancellationToken).ConfigureAwait(false);
        return clinic is not null && CanRead(user, clinic) ? clinic : null;
    }

    /// <summary>As <see cref="GetReadableAsync"/>, with the clinic's version for an ETag.</summary>
    public async Task<Versioned<Clinic>?> GetReadableVersionedAsync(ClaimsPrincipal user, string clinicId, CancellationToken cancellationToken)
    {
        var clinic = await clinics.GetVersionedAsync(clinicId, cancellationToken).ConfigureAwait(false);
        return clinic is not null && CanRead(user, clinic.Value) ? clinic : null;
    }

    public async Task<IReadOnlyList<Clinic>> ReadableAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var all = await clinics.ListAsync(cancellationToken).ConfigureAwait(false);
        return all.Where(c => CanRead(user, c)).ToList();
    }
}
