var app = WebApplication.CreateBuilder(args).Build();
app.MapGet("/", () => "ok");
await app.RunAsync();
