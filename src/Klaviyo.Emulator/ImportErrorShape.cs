namespace Klaviyo.Emulator;

/// <summary>
/// How the rows of <c>GET /api/profile-bulk-import-jobs/{id}/import-errors</c> point at the failed profile. Klaviyo
/// does not document the pointer of an import error; these shapes let a client prove it copes with each.
/// </summary>
public enum ImportErrorShape
{
    /// <summary>A pointer into the whole request (<c>/data/attributes/profiles/data/3/attributes/email</c>) and the row as <c>original_payload</c> (default).</summary>
    RequestPointer,

    /// <summary>A pointer into the row alone (<c>/data/attributes/email</c>) and the row as <c>original_payload</c>.</summary>
    RowPointer,

    /// <summary>Neither a pointer nor an <c>original_payload</c>: an error no client can tie to a profile.</summary>
    Bare,
}
