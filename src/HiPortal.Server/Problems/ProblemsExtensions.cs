using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

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

    /// <summary>
    /// After <c>UseAntiforgery</c>: a form whose antiforgery token is missing or not this user's (a page left open
    /// across a sign-in, another site's form) gets a 400 naming the token field, and a form past the reader's limits
    /// one naming the form. Without this, Blazor's form endpoints answered an empty 400 and the sign-out endpoint a 500.
    /// </summary>
    public static IApplicationBuilder UseAntiforgeryProblems(this IApplicationBuilder app)
    {
        var field = app.ApplicationServices.GetRequiredService<IOptions<AntiforgeryOptions>>().Value.FormFieldName;
        var problems = app.ApplicationServices.GetRequiredService<IProblemDetailsService>();
        return app.Use(async (context, next) =>
        {
            if (context.Features.Get<IAntiforgeryValidationFeature>() is not { IsValid: false } failed)
            {
                await next(context);
                return;
            }

            var problem = failed.Error?.InnerException is InvalidDataException form
                ? ProblemResults.Details(StatusCodes.Status400BadRequest, "The request could not be read.", "form", form.Message)
                : ProblemResults.Details(StatusCodes.Status400BadRequest, "The form could not be accepted.", field,
                    "the form's antiforgery token is missing or is not this user's: reload the page and send the form again");
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await problems.WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
        });
    }
}
