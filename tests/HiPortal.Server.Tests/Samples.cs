using System.Globalization;
using System.Net.Http.Headers;
using HiPortal.Core.Data;

namespace HiPortal.Server.Tests;

/// <summary>Real Fashion-MNIST test images for requests.</summary>
public static class Samples
{
    private static readonly Lazy<LabelledImages> s_test = new(() => FashionMnist.Load(FashionMnistSplit.Test).Take(512));

    public static LabelledImages Test => s_test.Value;

    public static object OffloadBody(int index, string sampleId, int? localClass = null, double confidence = 0.42) => new
    {
        sampleId,
        input = new { datatype = "UINT8", shape = new[] { 1, 28, 28 }, data = Convert.ToBase64String(Test.Image(index)) },
        local = new { predictedClass = localClass ?? Test.Label(index), confidence, inferenceMicros = 900 },
        label = (int)Test.Label(index),
    };

    /// <summary>The compact binary form of an offload: the raw 784 pixels as the body, metadata in headers.</summary>
    public static HttpRequestMessage BinaryOffload(int index, string sampleId, int? localClass = null, double confidence = 0.42,
        bool withLabel = true)
    {
        var content = new ByteArrayContent(Test.Image(index).ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/offloads") { Content = content };
        request.Headers.Add("X-HiPortal-Sample-Id", sampleId);
        request.Headers.Add("X-HiPortal-Local-Class", (localClass ?? Test.Label(index)).ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("X-HiPortal-Local-Confidence", confidence.ToString("R", CultureInfo.InvariantCulture));
        if (withLabel)
        {
            request.Headers.Add("X-HiPortal-Label", Test.Label(index).ToString(CultureInfo.InvariantCulture));
        }

        return request;
    }
}
