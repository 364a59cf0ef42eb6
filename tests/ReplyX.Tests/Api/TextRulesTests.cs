using System.Net;
using System.Net.Http.Json;
using ReplyX.Api.Validation;
using ReplyX.Tests.Infrastructure;

namespace ReplyX.Tests.Api;

public sealed class TextRulesTests(MemoryApp app) : IClassFixture<MemoryApp>
{
    [Theory]
    [InlineData("anna@example.com", true)]
    [InlineData("anna.petrova+support@mail.example.co.uk", true)]
    [InlineData("anna@example.com.", false)]
    [InlineData("an na@example.com", false)]
    [InlineData("anna@example.com\r\nBcc: x@y.z", false)]
    [InlineData("anna\0@example.com", false)]
    [InlineData("Anna <anna@example.com>", false)]
    [InlineData("anna@localhost", false)]
    [InlineData("anna@@example.com", false)]
    [InlineData("anna@example..com", false)]
    [InlineData("@example.com", false)]
    public void One_email_rule(string email, bool valid) => Assert.Equal(valid, TextRules.IsEmail(email));

    [Fact]
    public void Control_characters_are_found_in_nested_objects_and_arrays_but_tabs_and_line_breaks_pass()
    {
        var found = TextRules.WithControlCharacters(new { name = "ok", prompt = "line 1\n\tline 2\r\n", nested = new { list = new[] { "fine", "bad\u0001" } }, key = "a\0b" });

        Assert.Equal(["nested.list[1]", "key"], found);
    }

    private static async Task<string[]> FieldErrors(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return (await response.JsonBody()).GetProperty("errors").EnumerateObject().Select(p => p.Name).ToArray();
    }

    [Theory]
    [InlineData("anna\0@example.com")]
    [InlineData("anna@example.com\r\n")]
    [InlineData("an na@example.com")]
    [InlineData("anna@example.com.")]
    public async Task Registration_refuses_a_malformed_email_with_a_field_error(string email)
    {
        var response = await app.Factory.CreateClient().PostAsJsonAsync("/api/auth/register", new { email, password = "correct horse battery", name = "Anna" });

        Assert.Contains("email", await FieldErrors(response));
    }

    [Fact]
    public async Task Names_and_prompts_with_control_characters_are_refused_by_field_and_line_breaks_in_a_prompt_are_kept()
    {
        var client = app.Factory.CreateClient();
        Assert.Contains("name", await FieldErrors(await client.PostAsJsonAsync("/api/auth/register",
            new { email = $"cc.{Guid.NewGuid():N}@example.com", password = "correct horse battery", name = "An\u0007na" })));
        var registered = await client.PostAsJsonAsync("/api/auth/register", new { email = $"cc.{Guid.NewGuid():N}@example.com", password = "correct horse battery", name = "Anna" });
        var token = (await registered.JsonBody()).GetProperty("accessToken").GetString()!;

        var nul = await client.SendAs(HttpMethod.Post, "/api/assistants", token, new { name = "Support", systemPrompt = "Be kind\0", model = "gpt\u001b" });
        Assert.Equal(["systemPrompt", "model"], (await FieldErrors(nul)).Order().Reverse().ToArray());

        var multiLine = await client.SendAs(HttpMethod.Post, "/api/assistants", token, new { name = "Support", systemPrompt = "Be kind.\n\tAnswer briefly.\r\n" });
        Assert.Equal(HttpStatusCode.Created, multiLine.StatusCode);
        Assert.Equal("Be kind.\n\tAnswer briefly.\r\n", (await multiLine.JsonBody()).GetProperty("systemPrompt").GetString());
    }
}
