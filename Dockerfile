# One image for every ReplyX process: the silo (/app/silo) and the stand-alone API node (/app/api).
# The web app and the widget are built by npm in their own stage (the SDK image has no Node.js) and
# embedded by the .NET build, which then skips npm.
FROM node:20-bookworm-slim AS web
WORKDIR /src/Web
COPY src/Web/package.json src/Web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY src/Web/ ./
RUN npm run build

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
COPY --from=web /src/Web/wwwroot src/Web/wwwroot
RUN dotnet publish src/Silo/ReplyX.Silo.csproj -c Release -o /app/silo -p:SkipWebUiBuild=true \
 && dotnet publish src/Api/ReplyX.Api.csproj -c Release -o /app/api -p:SkipWebUiBuild=true

FROM mcr.microsoft.com/dotnet/aspnet:10.0
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
COPY --from=build /app /app
# appsettings.json is read from the working directory: run each process from its own folder.
WORKDIR /app/silo
ENV ASPNETCORE_URLS=http://+:8080
# A 128 MB gen0 budget per GC heap: far fewer collections under a burst of replies (docs/benchmarks.md:
# ~25% less CPU per Telegram reply). It is read only from the environment, not from runtimeconfig.json.
ENV DOTNET_GCgen0size=0x8000000
# The other runtime settings (server GC, no thread-pool spinning) are in each process's runtimeconfig.json,
# from src/ReplyX.Runtime.props. ReadyToRun was measured and is not used: it made the first load slower
# (docs/benchmarks.md, "Issue 9, third round").
EXPOSE 8080 11111 30000
ENTRYPOINT ["dotnet", "/app/silo/ReplyX.Silo.dll"]
