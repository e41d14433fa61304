using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace HiPortal.Server.Persistence;

/// <summary>
/// Every <see cref="DateTime"/> HiPortal stores is UTC, but SQLite keeps it as text without an offset and EF Core reads
/// it back as <see cref="DateTimeKind.Unspecified"/>, which JSON then writes without a "Z" (a client outside UTC reads
/// local time). This marks what is read as UTC. The stored text is the same as without it (the provider's
/// <c>yyyy-MM-dd HH:mm:ss.FFFFFFF</c>, which carries no kind), so existing rows sort and compare as before and the
/// model needs no migration. A local time written is turned into UTC; an unspecified one is taken to be UTC already.
/// </summary>
public sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
    v => v.Kind == DateTimeKind.Local ? v.ToUniversalTime() : v,
    v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
