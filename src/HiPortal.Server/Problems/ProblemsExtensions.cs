using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Json;

namespace HiPortal.Server.Problems;

public static class ProblemsExtensions
{
    /// <summary>
    /// Every 400 names its field in every environment: minimal APIs only throw binder errors (which
    /// <see cref="ClientErrorExceptionHandler"/> turns into a named problem) when ThrowOnBadRequest is set, which is
    /// otherwise Development only; elsewhere they answered a bare 400. Numbers are numbers: "0.5" is not 0.5.
    /// </summary>
    public static IHostApplicationBuilder AddProblems(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = RequestContentTypes.Describe);
        builder.Services.AddExceptionHandler<ClientErrorExceptionHandler>();
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.Configure<JsonOptions>(o => o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict);
        return builder;
    }
}
