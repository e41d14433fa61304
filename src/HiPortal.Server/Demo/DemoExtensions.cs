namespace HiPortal.Server.Demo;

public static class DemoExtensions
{
    public static IHostApplicationBuilder AddDemoFleet(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DemoOptions>().BindConfiguration(DemoOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddHostedService<DemoFleet>();
        return builder;
    }
}
