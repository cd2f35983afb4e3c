using System.Text;
using Hearth.Protocol.Deals;

namespace Hearth.Protocol.Tests;

/// <summary>The input list blob and its pin in the params: read strictly, every problem named.</summary>
public sealed class TaskInputListTests
{
    private static readonly string Sha = Hash32.Sha256("x"u8).ToString();

    private static InputFile File(string name = "a.csv", string url = "https://data.example.org/a.csv", string? sha = null, long? size = 1) => new(name, url, sha ?? Sha, size);

    [Fact]
    public void A_list_round_trips_and_keeps_task_order()
    {
        IReadOnlyList<IReadOnlyList<InputFile>> tasks = [[File("a.csv")], [File("b.csv"), File("c.csv", size: null)], []];

        var parsed = TaskInputList.Parse(TaskInputList.ToJson(tasks), 3);

        Assert.Equal(3, parsed.Count);
        Assert.Equal(tasks[1], parsed[1]);
        Assert.Empty(parsed[2]);
        Assert.Equal(tasks[1], TaskInputList.TaskFromJson(TaskInputList.TaskToJson(tasks[1])));
    }

    [Theory]
    [InlineData("not json", "is not JSON")]
    [InlineData("[]", "is not {\"tasks\": [...]}")]
    [InlineData("{\"tasks\": {}}", "is not {\"tasks\": [...]}")]
    [InlineData("{\"tasks\": [[]], \"more\": 1}", "unknown field 'more'")]
    [InlineData("{\"tasks\": [[], []]}", "has 2 task entries but the deal has 1 tasks")]
    [InlineData("{\"tasks\": [7]}", "task 0 of the input list is not a list of files")]
    [InlineData("{\"tasks\": [[7]]}", "holds something other than a file entry")]
    [InlineData("{\"tasks\": [[{\"name\": \"a\", \"url\": \"https://x/a\"}]]}", "a file needs name, url and sha256")]
    [InlineData("{\"tasks\": [[{\"name\": 1, \"url\": \"https://x/a\", \"sha256\": \"0x00\"}]]}", "'name' has the wrong type")]
    [InlineData("{\"tasks\": [[{\"name\": \"a\", \"url\": \"https://x/a\", \"sha256\": \"SHA\", \"mode\": 1}]]}", "unknown field 'mode'")]
    [InlineData("{\"tasks\": [[{\"name\": \"../a\", \"url\": \"https://x/a\", \"sha256\": \"SHA\"}]]}", "is not a plain file name")]
    [InlineData("{\"tasks\": [[{\"name\": \"a\", \"url\": \"file:///etc/passwd\", \"sha256\": \"SHA\"}]]}", "is not an http(s) URL")]
    [InlineData("{\"tasks\": [[{\"name\": \"a\", \"url\": \"https://user:pw@x/a\", \"sha256\": \"SHA\"}]]}", "without user information")]
    [InlineData("{\"tasks\": [[{\"name\": \"a\", \"url\": \"https://x/a\", \"sha256\": \"0x12\"}]]}", "sha256 of 'a' is not 0x and 64 hex digits")]
    [InlineData("{\"tasks\": [[{\"name\": \"a\", \"url\": \"https://x/a\", \"sha256\": \"SHA\", \"size\": -5}]]}", "size of 'a' is negative")]
    [InlineData("{\"tasks\": [[{\"name\": \"a\", \"url\": \"https://x/a\", \"sha256\": \"SHA\", \"size\": 1.5}]]}", "'size' has the wrong type")]
    [InlineData("{\"tasks\": [[{\"name\": \"a\", \"url\": \"https://x/a\", \"sha256\": \"SHA\"}, {\"name\": \"A\", \"url\": \"https://x/b\", \"sha256\": \"SHA\"}]]}", "names 'A' twice")]
    [InlineData("{\"tasks\": [[[[[[[[[[1]]]]]]]]]]}", "is not JSON")]
    public void A_hostile_list_is_refused_with_what_is_wrong(string json, string expected)
    {
        var e = Assert.Throws<FormatException>(() => TaskInputList.Parse(Encoding.UTF8.GetBytes(json.Replace("SHA", Sha)), 1));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_task_with_too_many_files_is_refused()
    {
        IReadOnlyList<IReadOnlyList<InputFile>> tasks = [[.. Enumerable.Range(0, TaskInputList.MaxFilesPerTask + 1).Select(i => File($"f{i}"))]];
        var e = Assert.Throws<FormatException>(() => TaskInputList.Parse(TaskInputList.ToJson(tasks), 1));
        Assert.Contains($"has {TaskInputList.MaxFilesPerTask + 1} files (at most {TaskInputList.MaxFilesPerTask})", e.Message);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("--samples 1000")]
    [InlineData("{\"args\": [\"a\"]}")]
    [InlineData("{not json")]
    public void Params_without_a_pin_have_none(string? parameters) => Assert.Null(InputListPin.Read(parameters));

    [Fact]
    public void A_pin_is_read_and_its_hash_lowered()
    {
        var upper = "0x" + Sha[2..].ToUpperInvariant();
        var pin = InputListPin.Read("{\"args\": [], \"inputs\": {\"sha256\": \"" + upper + "\", \"location\": \"http://storage/blobs/ab\"}}");
        Assert.Equal(new InputListPin(Sha, "http://storage/blobs/ab"), pin);
    }

    [Theory]
    [InlineData("{\"inputs\": \"http://x/list\"}", "must be {\"sha256\"")]
    [InlineData("{\"inputs\": {\"sha256\": \"SHA\"}}", "must be {\"sha256\"")]
    [InlineData("{\"inputs\": {\"sha256\": \"SHA\", \"location\": 5}}", "must be {\"sha256\"")]
    [InlineData("{\"inputs\": {\"sha256\": \"abc\", \"location\": \"http://x/l\"}}", "inputs.sha256 is not 0x and 64 hex digits")]
    [InlineData("{\"inputs\": {\"sha256\": \"SHA\", \"location\": \"ftp://x/l\"}}", "inputs.location is not an http(s) URL")]
    [InlineData("{\"inputs\": {\"sha256\": \"SHA\", \"location\": \"/relative\"}}", "inputs.location is not an http(s) URL")]
    public void A_malformed_pin_is_refused(string parameters, string expected)
    {
        var e = Assert.Throws<FormatException>(() => InputListPin.Read(parameters.Replace("SHA", Sha)));
        Assert.Contains(expected, e.Message);
    }
}
