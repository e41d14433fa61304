using HiPortal.Server.Persistence;
using Microsoft.Extensions.Configuration;

namespace HiPortal.Server.Tests.Persistence;

public sealed class DataDirectoryTests
{
    private static DatabaseOptions Options(params (string Key, string Value)[] settings) => DatabaseOptions.From(
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build());

    [Fact]
    public void DataDirectory_DefaultsToDataUnderTheWorkingDirectory_NotTheProgramFolder()
    {
        var options = Options();

        Assert.Equal(Path.GetFullPath("data"), options.DataDirectory());
        Assert.Equal(Path.Combine(Path.GetFullPath("data"), "hiportal.db"), options.FullPath());
    }

    [Fact]
    public void DataDirectory_Configured_HoldsTheDatabase()
    {
        var options = Options(("Data:Directory", "/srv/hiportal"));

        Assert.Equal("/srv/hiportal", options.DataDirectory());
        Assert.Equal("/srv/hiportal/hiportal.db", options.FullPath());
    }

    [Fact]
    public void DatabasePath_SetAlone_StillNamesTheDataDirectory()
    {
        var options = Options(("Database:Path", "/var/lib/old/store.db"));

        Assert.Equal("/var/lib/old", options.DataDirectory());
        Assert.Equal("/var/lib/old/store.db", options.FullPath());
    }
}
