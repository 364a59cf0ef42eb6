using System.Net.Http.Headers;
using System.Net.Http.Json;
using ReplyX.Fakes;

namespace ReplyX.Tests.Infrastructure;

/// <summary>What the fake model's own bookkeeping reports, so assertions built on it can fail.</summary>
public sealed class FakeOpenAiTests
{
    [Fact]
    public async Task Overlapping_requests_of_one_key_show_as_more_than_one_in_flight()
    {
        await using var fake = await FakeOpenAi.StartAsync();
        fake.For("sk-overlap").Latency = TimeSpan.FromMilliseconds(300);
        using var http = new HttpClient();
        Task<HttpResponseMessage> Ask(string key)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, fake.BaseUrl + "/chat/completions")
            {
                Content = JsonContent.Create(new { model = "m", messages = new[] { new { role = "user", content = "hi" } } }),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            return http.SendAsync(request);
        }

        var answers = await Task.WhenAll(Ask("sk-overlap"), Ask("sk-overlap"), Ask("sk-overlap"));
        await Ask("sk-alone");

        Assert.All(answers, a => Assert.True(a.IsSuccessStatusCode));
        Assert.Equal(3, fake.MaxInFlight("sk-overlap"));
        Assert.Equal(1, fake.MaxInFlight("sk-alone"));
    }
}
