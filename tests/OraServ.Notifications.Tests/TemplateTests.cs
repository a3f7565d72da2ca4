using OraServ.Contracts;
using OraServ.Notifications.Delivery;

namespace OraServ.Notifications.Tests;

public sealed class TemplateTests
{
    [Theory]
    [InlineData("INV-000123", "INV-000123.pdf")]
    [InlineData("000123", "INV-000123.pdf")]
    [InlineData("ACME-42", "INV-ACME-42.pdf")]
    [InlineData("INV-7/\"x\r\n", "INV-7x.pdf")]
    public void The_PDF_is_attached_as_INV_number_without_doubling_the_prefix(string number, string fileName) =>
        Assert.Equal(fileName, Templates.AttachmentName(number));

    [Theory]
    [InlineData(1234.5, "USD", "$1,234.50")]
    [InlineData(1234.5, "EUR", "€1,234.50")]
    [InlineData(1234.5, "JPY", "JPY 1,235")]
    [InlineData(1234.5, "KWD", "KWD 1,234.500")]
    public void Amounts_print_in_the_invoice_currency(decimal amount, string currency, string text) =>
        Assert.Equal(text, MoneyText.Format(amount, currency));
}
