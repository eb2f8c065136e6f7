using ComplianceBot.Domain.Model;

namespace ComplianceBot.Domain.Catalog;

/// <summary>A clinic setting that switches a conditional requirement on.</summary>
public enum ClinicSetting
{
    /// <summary><see cref="Clinic.RequiresRespirators"/>: respirator fit tests.</summary>
    RequiresRespirators,

    /// <summary><see cref="Clinic.ExpectsExtinguisherUse"/>: fire-extinguisher training.</summary>
    ExpectsExtinguisherUse,

    /// <summary><see cref="Clinic.PerformsWaivedTesting"/>: CLIA waived-testing competency.</summary>
    PerformsWaivedTesting,
}

/// <summary>A requirement that follows from holding another credential certified on or after a date.</summary>
/// <param name="Code">The credential held, e.g. <c>RMA</c>.</param>
/// <param name="CertifiedOnOrAfter">First certification date it applies to, e.g. 2006-01-01 for AMT's CCP.</param>
public sealed record HeldCredential(string Code, DateOnly CertifiedOnOrAfter);

/// <summary>
/// One thing a role must hold: any one of <paramref name="AnyOf"/> satisfies it.
/// </summary>
/// <param name="Key">Stable key: the <paramref name="AnyOf"/> codes joined with '|', e.g. <c>BLS|BLS_ARC</c>.</param>
/// <param name="Label">What users read, e.g. "BLS (AHA or Red Cross)".</param>
/// <param name="AnyOf">Catalog codes, preferred first.</param>
/// <param name="WaivedWhenClinicWaivesCertification">Dropped in clinics that waive MA certification.</param>
/// <param name="OnlyInStates">Two-letter states where it applies; null means everywhere.</param>
/// <param name="ExceptInStates">Two-letter states where it does not apply (a state credential replaces it there).</param>
/// <param name="OnlyWhenClinic">The clinic setting that switches it on; null means always.</param>
/// <param name="OnlyWhenHolding">Applies only to holders of that credential certified on or after its date.</param>
public sealed record Requirement(
    string Key,
    string Label,
    IReadOnlyList<string> AnyOf,
    bool WaivedWhenClinicWaivesCertification = false,
    IReadOnlyList<string>? OnlyInStates = null,
    IReadOnlyList<string>? ExceptInStates = null,
    ClinicSetting? OnlyWhenClinic = null,
    HeldCredential? OnlyWhenHolding = null)
{
    /// <summary>A requirement whose key is built from its codes.</summary>
    public static Requirement AnyOfCodes(string label, params string[] anyOf) => new(KeyOf(anyOf), label, anyOf);

    /// <summary>The key for a set of codes: the codes joined with '|'.</summary>
    public static string KeyOf(IEnumerable<string> anyOf) => string.Join('|', anyOf);

    /// <summary>Whether it applies in a clinic (state, certification waiver, clinic settings).</summary>
    public bool AppliesTo(Clinic clinic)
    {
        ArgumentNullException.ThrowIfNull(clinic);
        if (WaivedWhenClinicWaivesCertification && clinic.WaivesCertification) return false;
        if (ExceptInStates is not null && ExceptInStates.Any(s => SameState(s, clinic.State))) return false;
        var setting = OnlyWhenClinic switch
        {
            null => true,
            ClinicSetting.RequiresRespirators => clinic.RequiresRespirators,
            ClinicSetting.ExpectsExtinguisherUse => clinic.ExpectsExtinguisherUse,
            ClinicSetting.PerformsWaivedTesting => clinic.PerformsWaivedTesting,
            _ => false,
        };
        return setting && (OnlyInStates is null || OnlyInStates.Any(s => SameState(s, clinic.State)));
    }

    /// <summary>
    /// Whether it applies to someone holding <paramref name="heldCertifiedOn"/>: the certification date of
    /// each record of <see cref="HeldCredential.Code"/> they hold (null when a record carries none).
    /// </summary>
    public bool AppliesToHolder(IEnumerable<DateOnly?> heldCertifiedOn)
    {
        ArgumentNullException.ThrowIfNull(heldCertifiedOn);
        return OnlyWhenHolding is not { } held || heldCertifiedOn.Any(d => d >= held.CertifiedOnOrAfter);
    }

    private static bool SameState(string a, string b) => string.Equals(a.Trim(), b.Trim(), StringComparison.OrdinalIgnoreCase);

    public bool Equals(Requirement? other) =>
        other is not null
        && Key == other.Key
        && Label == other.Label
        && AnyOf.SequenceEqual(other.AnyOf)
        && WaivedWhenClinicWaivesCertification == other.WaivedWhenClinicWaivesCertification
        && (OnlyInStates ?? []).SequenceEqual(other.OnlyInStates ?? [])
        && (ExceptInStates ?? []).SequenceEqual(other.ExceptInStates ?? [])
        && OnlyWhenClinic == other.OnlyWhenClinic
        && OnlyWhenHolding == other.OnlyWhenHolding;

    public override int GetHashCode() => Key.GetHashCode(StringComparison.Ordinal);
}

/// <summary>Which credentials each role must hold, filtered per clinic (state, certification waiver).</summary>
public sealed class RequirementPolicy
{
    public static readonly Requirement Bls = Requirement.AnyOfCodes("BLS (AHA or Red Cross)", "BLS", "BLS_ARC");
    public static readonly Requirement Hipaa = Requirement.AnyOfCodes("HIPAA training", "HIPAA");
    public static readonly Requirement OshaBbp = Requirement.AnyOfCodes("OSHA bloodborne pathogens training", "OSHA_BBP");
    public static readonly Requirement OshaHazCom = Requirement.AnyOfCodes("OSHA hazard communication training", "OSHA_HAZCOM");
    public static readonly Requirement CliaCompetency = Requirement.AnyOfCodes("CLIA competency assessment", "CLIA_COMPETENCY");

    /// <summary>Offered within 10 working days of initial assignment: either outcome satisfies it (29 CFR 1910.1030(f)(2)).</summary>
    public static readonly Requirement HepatitisB =
        Requirement.AnyOfCodes("Hepatitis B vaccination (or signed declination)", "HEPB_VACCINATION", "HEPB_DECLINATION");

    /// <summary>CDC 2019: every health care worker, yearly; a practice default.</summary>
    public static readonly Requirement TbEducation = Requirement.AnyOfCodes("TB education", "TB_EDUCATION");

    public static readonly Requirement RespiratorFitTest =
        Requirement.AnyOfCodes("Respirator fit test", "RESPIRATOR_FIT_TEST") with { OnlyWhenClinic = ClinicSetting.RequiresRespirators };

    public static readonly Requirement FireExtinguisherTraining =
        Requirement.AnyOfCodes("Fire extinguisher training", "FIRE_EXTINGUISHER") with { OnlyWhenClinic = ClinicSetting.ExpectsExtinguisherUse };

    public static readonly Requirement WaivedTestingCompetency =
        Requirement.AnyOfCodes("CLIA waived-testing competency", "CLIA_WAIVED") with { OnlyWhenClinic = ClinicSetting.PerformsWaivedTesting };

    public static readonly Requirement CaliforniaWorkplaceViolence =
        Requirement.AnyOfCodes("California workplace violence prevention training", "CA_WPV") with { OnlyInStates = ["CA"] };

    public static readonly Requirement StateLicense = Requirement.AnyOfCodes("State professional licence", "STATE_LICENSE");

    /// <summary>NHA's CPT, outside California (where the state certificate below is the requirement).</summary>
    public static readonly Requirement PhlebotomyCertification =
        Requirement.AnyOfCodes("Phlebotomy certification (CPT)", "CPT") with { ExceptInStates = ["CA"] };

    public static readonly Requirement CaliforniaPhlebotomyCertificate =
        Requirement.AnyOfCodes("California phlebotomy certificate (CDPH CPT I, CPT II or LPT)", "CA_CPT1", "CA_CPT2", "CA_LPT") with { OnlyInStates = ["CA"] };

    public static readonly Requirement MedicalAssistantCertification =
        Requirement.AnyOfCodes("Medical assistant certification (CMA, RMA, CCMA or NCMA)", "CMA", "RMA", "CCMA", "NCMA")
            with { WaivedWhenClinicWaivesCertification = true };

    /// <summary>AMT's CCP points: only for RMAs certified on or after 1 Jan 2006 (earlier ones who had to recertify are tracked from their RMA_CCP record).</summary>
    public static readonly Requirement RmaContinuation =
        Requirement.AnyOfCodes("RMA continuation points (AMT CCP)", "RMA_CCP") with { OnlyWhenHolding = new HeldCredential("RMA", new DateOnly(2006, 1, 1)) };

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
    /// The default policy. HIPAA applies to the whole workforce (45 CFR 164.530(b)); bloodborne pathogens,
    /// hepatitis B and (where switched on) respirator fit tests to the roles with occupational exposure; TB
    /// education to all health care personnel (CDC 2019); fire-extinguisher training, CLIA waived-testing
    /// competency and California's workplace violence prevention training where the clinic's settings or state
    /// call for them. TB screening, flu, the TB symptom screen, DEA registrations and board certifications are
    /// tracked when recorded, not required: who needs them depends on the person (prescribing, latent TB).
    /// </summary>
    public static RequirementPolicy Default { get; } = new(new Dictionary<StaffRole, IReadOnlyList<Requirement>>
    {
        [StaffRole.MedicalAssistant] = [.. Exposed, MedicalAssistantCertification, RmaContinuation, WashingtonMaCertified, WaivedTestingCompetency, .. Everyone],
        [StaffRole.OfficeManager] = [Hipaa, OshaHazCom, .. Everyone],
        [StaffRole.Nurse] = [.. Exposed, StateLicense, WaivedTestingCompetency, .. Everyone],
        [StaffRole.Provider] = [.. Exposed, StateLicense, .. Everyone],
        [StaffRole.Phlebotomist] = [.. Exposed, PhlebotomyCertification, CaliforniaPhlebotomyCertificate, .. Everyone],
        [StaffRole.LabTechnician] = [.. Exposed, CliaCompetency, WaivedTestingCompetency, .. Everyone],
        [StaffRole.FrontDesk] = [Hipaa, .. Everyone],
        [StaffRole.Other] = [Hipaa, .. Everyone],
    });

    // Declared as properties, not fields: static fields initialize in order, and Default above reads these.
    private static Requirement[] Exposed => [Bls, Hipaa, OshaBbp, OshaHazCom, HepatitisB, RespiratorFitTest];

    private static Requirement[] Everyone => [TbEducation, FireExtinguisherTraining, CaliforniaWorkplaceViolence];

    /// <summary>What <paramref name="role"/> must hold in <paramref name="clinic"/>, in display order.</summary>
    public IReadOnlyList<Requirement> For(StaffRole role, Clinic clinic)
    {
        ArgumentNullException.ThrowIfNull(clinic);
        return _byRole.TryGetValue(role, out var requirements)
            ? requirements.Where(r => r.AppliesTo(clinic)).ToList()
            : [];
    }
}
