using ComplianceBot.Domain.Model;

namespace ComplianceBot.Domain.Catalog;

/// <summary>
/// One thing a role must hold: any one of <paramref name="AnyOf"/> satisfies it.
/// </summary>
/// <param name="Key">Stable key: the <paramref name="AnyOf"/> codes joined with '|', e.g. <c>BLS|BLS_ARC</c>.</param>
/// <param name="Label">What users read, e.g. "BLS (AHA or Red Cross)".</param>
/// <param name="AnyOf">Catalog codes, preferred first.</param>
/// <param name="WaivedWhenClinicWaivesCertification">Dropped in clinics that waive MA certification.</param>
/// <param name="OnlyInStates">Two-letter states where it applies; null means everywhere.</param>
public sealed record Requirement(
    string Key,
    string Label,
    IReadOnlyList<string> AnyOf,
    bool WaivedWhenClinicWaivesCertification = false,
    IReadOnlyList<string>? OnlyInStates = null)
{
    /// <summary>A requirement whose key is built from its codes.</summary>
    public static Requirement AnyOfCodes(string label, params string[] anyOf) => new(KeyOf(anyOf), label, anyOf);

    /// <summary>The key for a set of codes: the codes joined with '|'.</summary>
    public static string KeyOf(IEnumerable<string> anyOf) => string.Join('|', anyOf);

    /// <summary>Whether it applies in a clinic (state and certification waiver).</summary>
    public bool AppliesTo(Clinic clinic)
    {
        ArgumentNullException.ThrowIfNull(clinic);
        if (WaivedWhenClinicWaivesCertification && clinic.WaivesCertification) return false;
        return OnlyInStates is null
            || OnlyInStates.Any(s => string.Equals(s.Trim(), clinic.State.Trim(), StringComparison.OrdinalIgnoreCase));
    }

    public bool Equals(Requirement? other) =>
        other is not null
        && Key == other.Key
        && Label == other.Label
        && AnyOf.SequenceEqual(other.AnyOf)
        && WaivedWhenClinicWaivesCertification == other.WaivedWhenClinicWaivesCertification
        && (OnlyInStates ?? []).SequenceEqual(other.OnlyInStates ?? []);

    public override int GetHashCode() => Key.GetHashCode(StringComparison.Ordinal);
}

/// <summary>Which credentials each role must hold, filtered per clinic (state, certification waiver).</summary>
public sealed class RequirementPolicy
{
    public static readonly Requirement Bls = Requirement.AnyOfCodes("BLS (AHA or Red Cross)", "BLS", "BLS_ARC");
    public static readonly Requirement Hipaa = Requirement.AnyOfCodes("HIPAA training", "HIPAA");
    public static readonly Requirement OshaBbp = Requirement.AnyOfCodes("OSHA bloodborne pathogens training", "OSHA_BBP");
    public static readonly Requirement OshaHazCom = Requirement.AnyOfCodes("OSHA hazard communication training", "OSHA_HAZCOM");
    public static readonly Requirement PhlebotomyCertification = Requirement.AnyOfCodes("Phlebotomy certification (CPT)", "CPT");
    public static readonly Requirement CliaCompetency = Requirement.AnyOfCodes("CLIA competency assessment", "CLIA_COMPETENCY");

    public static readonly Requirement MedicalAssistantCertification =
        Requirement.AnyOfCodes("Medical assistant certification (CMA, RMA, CCMA or NCMA)", "CMA", "RMA", "CCMA", "NCMA")
            with { WaivedWhenClinicWaivesCertification = true };

    public static readonly Requirement WashingtonMaCertified =
        Requirement.AnyOfCodes("WA Medical Assistant-Certified", "WA_MAC") with { OnlyInStates = ["WA"] };

    private readonly IReadOnlyDictionary<StaffRole, IReadOnlyList<Requirement>> _byRole;

    /// <param name="byRole">Requirements per role; a role not listed needs nothing.</param>
    public RequirementPolicy(IReadOnlyDictionary<StaffRole, IReadOnlyList<Requirement>> byRole)
    {
        ArgumentNullException.ThrowIfNull(byRole);
        foreach (var requirement in byRole.Values.SelectMany(r => r))
        {
            if (requirement.AnyOf.Count == 0 || requirement.Key != Requirement.KeyOf(requirement.AnyOf))
            {
                throw new ArgumentException(
                    $"Requirement '{requirement.Label}' must list codes and use them joined with '|' as its key.", nameof(byRole));
            }
        }

        _byRole = byRole;
    }

    /// <summary>
    /// The default policy. HIPAA applies to the whole workforce (45 CFR 164.530(b)); TB and flu are
    /// recommendations whose cadence varies by state, so they are tracked when recorded, not required.
    /// </summary>
    public static RequirementPolicy Default { get; } = new(new Dictionary<StaffRole, IReadOnlyList<Requirement>>
    {
        [StaffRole.MedicalAssistant] = [Bls, Hipaa, OshaBbp, OshaHazCom, MedicalAssistantCertification, WashingtonMaCertified],
        [StaffRole.OfficeManager] = [Hipaa, OshaHazCom],
        [StaffRole.Nurse] = [Bls, Hipaa, OshaBbp, OshaHazCom],
        [StaffRole.Provider] = [Bls, Hipaa, OshaBbp, OshaHazCom],
        [StaffRole.Phlebotomist] = [Bls, Hipaa, OshaBbp, OshaHazCom, PhlebotomyCertification],
        [StaffRole.LabTechnician] = [Bls, Hipaa, OshaBbp, OshaHazCom, CliaCompetency],
        [StaffRole.FrontDesk] = [Hipaa],
        [StaffRole.Other] = [Hipaa],
    });

    /// <summary>What <paramref name="role"/> must hold in <paramref name="clinic"/>, in display order.</summary>
    public IReadOnlyList<Requirement> For(StaffRole role, Clinic clinic)
    {
        ArgumentNullException.ThrowIfNull(clinic);
        return _byRole.TryGetValue(role, out var requirements)
            ? requirements.Where(r => r.AppliesTo(clinic)).ToList()
            : [];
    }
}
