using System.ComponentModel.DataAnnotations;
using HiPortal.Server.Persistence;
using Microsoft.Extensions.Configuration;

namespace HiPortal.Server.Tests.Persistence;

public sealed class DatabaseProviderOptionsTests
{
    private static List<ValidationResult> Validate(params (string Key, string Value)[] settings)
    {
        var options = DatabaseOptions.From(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build());
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }

    [Fact]
    public void Postgres_WithoutAConnectionString_IsRefusedNamingTheKey()
    {
        var error = Assert.Single(Validate(("Database:Provider", "Postgres")));

        Assert.Equal(["ConnectionStrings:Postgres"], error.MemberNames);
    }

    [Fact]
    public void Postgres_WithAConnectionString_AndSqliteAlone_AreValid()
    {
        Assert.Empty(Validate(("Database:Provider", "Postgres"), ("ConnectionStrings:Postgres", "Host=db;Username=hiportal")));
        Assert.Empty(Validate());
    }
}
