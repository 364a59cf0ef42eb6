using ReplyX.Billing;

namespace ReplyX.Tests.Billing;

public sealed class PriceListTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly PriceList List = new([
        .. PriceList.Defaults,
        new ServicePrice(BillingServices.AiMessage, "", 2_000, T0),
        new ServicePrice(BillingServices.AiMessage, "gpt-4o", 5_000, T0.AddDays(1)),
        new ServicePrice(BillingServices.AiTokensIn, "gpt-4o", 150, T0),
        new ServicePrice(BillingServices.AiTokensOut, "gpt-4o", 600, T0),
        new ServicePrice(BillingServices.AiMessage, "", 3_000, T0.AddDays(10)), // scheduled
    ]);

    [Fact]
    public void A_price_is_the_latest_in_force_at_the_instant_and_a_models_own_beats_the_default()
    {
        Assert.Equal(1_000, List.Price(BillingServices.AiMessage, "gpt-4o", T0.AddSeconds(-1))); // before any change: the original price
        Assert.Equal(2_000, List.Price(BillingServices.AiMessage, "gpt-4o", T0));
        Assert.Equal(5_000, List.Price(BillingServices.AiMessage, "gpt-4o", T0.AddDays(2)));
        Assert.Equal(2_000, List.Price(BillingServices.AiMessage, "yandexgpt-lite", T0.AddDays(2)));
        Assert.Equal(3_000, List.Price(BillingServices.AiMessage, "yandexgpt-lite", T0.AddDays(11)));
        Assert.Equal(5_000, List.Price(BillingServices.AiMessage, "gpt-4o", T0.AddDays(11))); // its own price stays
        Assert.Equal(0, List.Price("coffee", null, T0));
    }

    [Fact]
    public void A_reply_costs_its_message_price_plus_its_tokens_rounded_up_to_a_micro_rouble()
    {
        // 5,000 + ceil(150 × 1,234 / 1000) + ceil(600 × 321 / 1000) = 5,000 + 186 + 193
        Assert.Equal(5_379, List.AiReply("gpt-4o", 1_234, 321, T0.AddDays(2)));
        Assert.Equal(2_000, List.AiReply("other", 1_234, 321, T0.AddDays(2))); // no token prices for it
        Assert.Equal(1, PriceList.PerThousand(100, 1)); // a fraction is never free
        Assert.Equal(0, PriceList.PerThousand(100, 0));
    }

    [Fact]
    public void The_current_list_has_one_row_per_service_and_model_and_hides_scheduled_ones()
    {
        var current = List.Current(T0.AddDays(2));

        Assert.Equal(current.Count, current.Select(p => (p.Service, p.Model)).Distinct().Count());
        Assert.Equal(2_000, current.Single(p => p is { Service: BillingServices.AiMessage, Model: "" }).Price);
        Assert.Equal(BillingServices.All.Count + 3, current.Count);
    }

    [Theory]
    [InlineData("12.5", 12_500_000L)]
    [InlineData("0.000001", 1L)]
    [InlineData("-3", -3_000_000L)]
    public void Money_parses_roubles_to_micro_roubles(string text, long units)
    {
        Assert.True(Money.TryParse(text, out var parsed));
        Assert.Equal(units, parsed);
        Assert.Equal(units, Money.TryParse(Money.Format(units), out var again) ? again : -1);
    }

    [Theory]
    [InlineData("0.0000001")]
    [InlineData("1,5")]
    [InlineData("1e3")]
    [InlineData("")]
    [InlineData("99999999999999")]
    public void Money_refuses_what_is_not_an_amount(string text) => Assert.False(Money.TryParse(text, out _));
}
