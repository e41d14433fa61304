using System.Net;
using System.Text.Json;
using Xunit;

namespace HiPortal.Testing;

/// <summary>Checks on a hand-made request's answer, for tests that go below the typed client to the raw wire.</summary>
public static class ResponseAssertions
{
    /// <summary>A body sent exactly as written: malformed, oversized or with fields the contract has not got.</summary>
    public static StringContent RawJson(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    /// <summary>Asserts the status and hands back the JSON body (<c>default</c> when empty).</summary>
    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>An audit row's old or new value, parsed from the JSON the server stored.</summary>
    public static JsonElement Value(this JsonElement auditRow, string property) =>
        JsonDocument.Parse(auditRow.GetProperty(property).GetString()!).RootElement.Clone();

    /// <summary>Asserts a problem answer (RFC 7807) with <paramref name="status"/> whose errors name <paramref name="field"/>.</summary>
    public static async Task<Problem> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string field)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal(WireHeaders.ProblemContentType, response.Content.Headers.ContentType?.MediaType);
        var problem = JsonSerializer.Deserialize(body, ContractsJson.Default.Problem)!;
        Assert.True(problem.Errors?.ContainsKey(field) == true, $"errors should name '{field}': {body}");
        return problem;
    }

    /// <summary>The same check on a typed client's failure.</summary>
    public static void AssertProblem(HiPortalApiException failure, HttpStatusCode status, string field)
    {
        Assert.True(failure.Status == status, $"expected {(int)status}, got {(int)failure.Status}: {failure.Body}");
        Assert.True(failure.Problem?.Errors?.ContainsKey(field) == true, $"errors should name '{field}': {failure.Body}");
    }
}
