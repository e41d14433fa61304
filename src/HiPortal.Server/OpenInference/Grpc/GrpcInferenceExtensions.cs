namespace HiPortal.Server.OpenInference.Grpc;

public static class GrpcInferenceExtensions
{
    /// <summary>Where the service's methods are (<c>/package.Service/Method</c>): bearer credentials only, as /api and /v2.</summary>
    public const string PathPrefix = "/inference.GRPCInferenceService";

    /// <summary>
    /// gRPC needs HTTP/2: Kestrel's endpoints default to HTTP/1.1 and HTTP/2, which over HTTPS is chosen per connection by
    /// ALPN; a cleartext endpoint then speaks HTTP/1.1 only, unless configured <c>"Protocols": "Http2"</c>.
    /// </summary>
    public static IHostApplicationBuilder AddGrpcInference(this IHostApplicationBuilder builder)
    {
        builder.Services.AddGrpc(o =>
        {
            // As large as the REST infer body may be, so one request fits either transport; unknown services fall
            // through to routing (404) rather than to a catch-all gRPC endpoint.
            o.MaxReceiveMessageSize = OpenInferenceApi.MaxBodyBytes;
            o.IgnoreUnknownServices = true;
        });
        return builder;
    }

    public static IEndpointRouteBuilder MapGrpcInference(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<GrpcInferenceService>();
        return app;
    }
}
