using System.Text;
using ComplianceBot.Storage.Client;

namespace ComplianceBot.Storage.Tests;

public sealed class TableTransactionFormatTests
{
    [Fact]
    public void BodyMatchesEntityGroupTransactionFormatWhenBuilt()
    {
        var insert = new TableEntity("p", "r1") { ["Name"] = "A", ["Count"] = 3L };
        var update = new TableEntity("p", "r2") { ["Name"] = "B" };
        var delete = new TableEntity("p", "r'3");
        var body = Encoding.UTF8.GetString(TableTransaction.BuildBody(
            "http://127.0.0.1:10002/devstoreaccount1",
            "t",
            [
                new TableTransactionAction(TableTransactionActionType.Insert, insert),
                new TableTransactionAction(TableTransactionActionType.Update, update, "W/\"x\""),
                new TableTransactionAction(TableTransactionActionType.Delete, delete),
            ],
            "batch_1",
            "changeset_2"));

        var expected =
            "--batch_1\r\n" +
            "Content-Type: multipart/mixed; boundary=changeset_2\r\n" +
            "\r\n" +
            "--changeset_2\r\n" +
            "Content-Type: application/http\r\n" +
            "Content-Transfer-Encoding: binary\r\n" +
            "\r\n" +
            "POST http://127.0.0.1:10002/devstoreaccount1/t HTTP/1.1\r\n" +
            "Accept: application/json;odata=minimalmetadata\r\n" +
            "Prefer: return-no-content\r\n" +
            "Content-Type: application/json\r\n" +
            "\r\n" +
            "{\"PartitionKey\":\"p\",\"RowKey\":\"r1\",\"Name\":\"A\",\"Count@odata.type\":\"Edm.Int64\",\"Count\":\"3\"}\r\n" +
            "--changeset_2\r\n" +
            "Content-Type: application/http\r\n" +
            "Content-Transfer-Encoding: binary\r\n" +
            "\r\n" +
            "PUT http://127.0.0.1:10002/devstoreaccount1/t(PartitionKey='p',RowKey='r2') HTTP/1.1\r\n" +
            "Accept: application/json;odata=minimalmetadata\r\n" +
            "If-Match: W/\"x\"\r\n" +
            "Content-Type: application/json\r\n" +
            "\r\n" +
            "{\"PartitionKey\":\"p\",\"RowKey\":\"r2\",\"Name\":\"B\"}\r\n" +
            "--changeset_2\r\n" +
            "Content-Type: application/http\r\n" +
            "Content-Transfer-Encoding: binary\r\n" +
            "\r\n" +
            "DELETE http://127.0.0.1:10002/devstoreaccount1/t(PartitionKey='p',RowKey='r%27%273') HTTP/1.1\r\n" +
            "Accept: application/json;odata=minimalmetadata\r\n" +
            "If-Match: *\r\n" +
            "\r\n" +
            "--changeset_2--\r\n" +
            "--batch_1--\r\n";
        Assert.Equal(expected, body);
    }

    [Fact]
    public void FailedIndexAndStatusAreReadWhenResponseHasOneErrorPart()
    {
        const string response =
            "--batchresponse_1\r\nContent-Type: multipart/mixed; boundary=changesetresponse_2\r\n\r\n" +
            "--changesetresponse_2\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n" +
            "HTTP/1.1 409 Conflict\r\nContent-ID: 5\r\nContent-Type: application/json;odata=minimalmetadata;streaming=true;charset=utf-8\r\n\r\n" +
            "{\"odata.error\":{\"code\":\"EntityAlreadyExists\",\"message\":{\"lang\":\"en-US\",\"value\":\"4:The specified entity already exists.\"}}}\r\n" +
            "--changesetresponse_2--\r\n--batchresponse_1--\r\n";

        var parts = TableTransaction.ParseResponse(response);

        var part = Assert.Single(parts);
        Assert.Equal(409, part.Status);
        Assert.Equal(4, TableTransaction.FailedIndexFromMessage("4:The specified entity already exists."));
        Assert.Contains("EntityAlreadyExists", part.Body, StringComparison.Ordinal);
    }
}
