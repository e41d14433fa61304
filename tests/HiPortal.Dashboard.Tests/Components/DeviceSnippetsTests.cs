using HiPortal.Server.Dashboard.Components.Admin;

namespace HiPortal.Dashboard.Tests.Components;

public sealed class DeviceSnippetsTests
{
    private static readonly SampleSpec s_vibration = new("INT16", [1, 1024], 2048);

    [Fact]
    public void Curl_PostsOneSampleOfTheModelsShape_WithTheKey_AndPinsTheServersPublicKey()
    {
        var snippets = DeviceSnippets.Create(new Uri("https://edge.local:5443/"), "hpk_0123456789ab_secret", "vibration-tiny@1.0.0", s_vibration,
            "7473C8AA", "AbCd+/=");

        Assert.Contains("KEY='hpk_0123456789ab_secret'", snippets.Curl, StringComparison.Ordinal);
        Assert.Contains("-k --pinnedpubkey 'sha256//AbCd+/=' https://edge.local:5443/api/v1/offloads", snippets.Curl, StringComparison.Ordinal);
        Assert.Contains("\\\"datatype\\\":\\\"INT16\\\",\\\"shape\\\":[1,1024]", snippets.Curl, StringComparison.Ordinal);
        Assert.Contains("head -c 2048 /dev/zero", snippets.Curl, StringComparison.Ordinal);
        Assert.Contains("ServerCertificateThumbprint = \"7473C8AA\"", snippets.Sdk, StringComparison.Ordinal);
        Assert.Contains("TinyModel = \"vibration-tiny\"", snippets.Sdk, StringComparison.Ordinal);
        Assert.Contains("DeviceKey = \"hpk_0123456789ab_secret\"", snippets.Sdk, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutASelfSignedCertificate_NeitherSnippetSkipsValidationOrPins()
    {
        var snippets = DeviceSnippets.Create(new Uri("https://portal.example.com/"), "hpk_0123456789ab_secret", "t@1", s_vibration, null, null);

        Assert.DoesNotContain("-k", snippets.Curl, StringComparison.Ordinal);
        Assert.DoesNotContain("pinnedpubkey", snippets.Curl, StringComparison.Ordinal);
        Assert.DoesNotContain("ServerCertificateThumbprint", snippets.Sdk, StringComparison.Ordinal);
    }
}
