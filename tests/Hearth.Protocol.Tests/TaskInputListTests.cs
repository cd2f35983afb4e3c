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
        Assert.Equal(tasks[1], parsed[1].Files);
        Assert.Empty(parsed[2].Files);
        Assert.All(parsed, t => Assert.Empty(t.Args));
        Assert.All(parsed, t => Assert.Empty(t.Env));
        Assert.Equal(tasks[1], TaskInputList.TaskFromJson(TaskInputList.TaskToJson(parsed[1])).Files);
    }

    [Fact]
    public void Object_entries_give_each_task_its_own_args_and_env_beside_old_array_entries()
    {
        var json = """
            {"tasks": [
              {"files": [{"name": "a.csv", "url": "https://x/a", "sha256": "SHA"}], "args": ["--part", "0"], "env": {"MODE": "fast"}},
              {"args": ["--part", "1"]},
              [{"name": "c.csv", "url": "https://x/c", "sha256": "SHA", "size": 3}],
              {}
            ]}
            """.Replace("SHA", Sha);

        var parsed = TaskInputList.Parse(Encoding.UTF8.GetBytes(json), 4);

        Assert.Equal(["--part", "0"], parsed[0].Args);
        Assert.Equal("fast", parsed[0].Env["MODE"]);
        Assert.Equal("a.csv", Assert.Single(parsed[0].Files).Name);
        Assert.Equal(["--part", "1"], parsed[1].Args);
        Assert.Empty(parsed[1].Files);
        Assert.Equal("c.csv", Assert.Single(parsed[2].Files).Name);
        Assert.Empty(parsed[2].Args);
        Assert.Empty(parsed[3].Files);
        var kept = TaskInputList.TaskFromJson(TaskInputList.TaskToJson(parsed[0]));
        Assert.Equal(parsed[0].Files, kept.Files);
        Assert.Equal(parsed[0].Args, kept.Args);
        Assert.Equal(parsed[0].Env, kept.Env);
        var again = TaskInputList.Parse(TaskInputList.ToJson(parsed), 4);
        Assert.Equal(["--part", "1"], again[1].Args);
        Assert.Equal("fast", again[0].Env["MODE"]);
    }

    [Fact]
    public void A_task_kept_as_a_bare_list_of_files_reads_back_with_no_args()
    {
        var kept = TaskInputList.TaskFromJson("[{\"name\": \"a.csv\", \"url\": \"https://data.example.org/a.csv\", \"sha256\": \"" + Sha + "\", \"size\": 1}]");
        Assert.Equal(File(), Assert.Single(kept.Files));
        Assert.Empty(kept.Args);
    }

    [Theory]
    [InlineData("{\"tasks\": [{\"args\": [\"a\"], \"mode\": 1}]}", "task 0 of the input list: unknown field 'mode' (a task has files, args, env)")]
    [InlineData("{\"tasks\": [{\"env\": {\"HEARTH_TASK_INDEX\": \"7\"}}]}", "task 0 of the input list: env may not set HEARTH_TASK_INDEX")]
    [InlineData("{\"tasks\": [{\"env\": {\"hearth_deal_id\": \"x\"}}]}", "env may not set hearth_deal_id")]
    [InlineData("{\"tasks\": [{\"args\": \"--part 1\"}]}", "task 0 of the input list: 'args' is not a list of strings")]
    [InlineData("{\"tasks\": [{\"args\": [1]}]}", "task 0 of the input list: args[0] is not a string")]
    [InlineData("{\"tasks\": [{\"env\": [\"A=1\"]}]}", "'env' is not an object of strings")]
    [InlineData("{\"tasks\": [{\"env\": {\"A\": 1}}]}", "env A is not a string")]
    [InlineData("{\"tasks\": [{\"env\": {\"A=B\": \"1\"}}]}", "env name 'A=B' is not a variable name")]
    [InlineData("{\"tasks\": [{\"env\": {\"\": \"1\"}}]}", "is not a variable name")]
    [InlineData("{\"tasks\": [{\"env\": {\"A\": \"1\", \"A\": \"2\"}}]}", "env names A twice")]
    [InlineData("{\"tasks\": [{\"args\": [\"a\"], \"args\": [\"b\"]}]}", "task 0 of the input list: 'args' appears twice")]
    [InlineData("{\"tasks\": [{\"files\": {}}]}", "task 0 of the input list: its files are not a list")]
    [InlineData("{\"tasks\": [\"a.csv\"]}", "task 0 of the input list is neither a list of files nor")]
    public void A_hostile_task_entry_is_refused_naming_its_task(string json, string expected)
    {
        var e = Assert.Throws<FormatException>(() => TaskInputList.Parse(Encoding.UTF8.GetBytes(json), 1));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Too_many_args_or_env_entries_and_huge_strings_are_refused()
    {
        string Task(string entry) => "{\"tasks\": [{\"args\": [\"ok\"]}, " + entry + "]}";
        var many = "{\"args\": [" + string.Join(", ", Enumerable.Repeat("\"a\"", TaskEntry.MaxArgs + 1)) + "]}";
        var env = "{\"env\": {" + string.Join(", ", Enumerable.Range(0, TaskEntry.MaxEnv + 1).Select(i => $"\"V{i}\": \"x\"")) + "}}";
        var hugeArg = "{\"args\": [\"" + new string('a', TaskEntry.MaxStringBytes + 1) + "\"]}";
        var hugeWide = "{\"args\": [\"" + new string('é', TaskEntry.MaxStringBytes / 2 + 1) + "\"]}"; // fewer chars than bytes
        var hugeValue = "{\"env\": {\"V\": \"" + new string('a', TaskEntry.MaxStringBytes + 1) + "\"}}";
        var hugeName = "{\"env\": {\"" + new string('N', TaskEntry.MaxStringBytes + 1) + "\": \"v\"}}";
        foreach (var (entry, expected) in new[]
        {
            (many, $"task 1 of the input list: has {TaskEntry.MaxArgs + 1} args (at most {TaskEntry.MaxArgs})"),
            (env, $"task 1 of the input list: has more than {TaskEntry.MaxEnv} env entries"),
            (hugeArg, $"task 1 of the input list: args[0] is longer than {TaskEntry.MaxStringBytes} bytes"),
            (hugeWide, $"task 1 of the input list: args[0] is longer than {TaskEntry.MaxStringBytes} bytes"),
            (hugeValue, $"task 1 of the input list: env V is longer than {TaskEntry.MaxStringBytes} bytes"),
            (hugeName, "task 1 of the input list: env name 'NNNN"),
        })
        {
            var e = Assert.Throws<FormatException>(() => TaskInputList.Parse(Encoding.UTF8.GetBytes(Task(entry)), 2));
            Assert.Contains(expected, e.Message);
        }
        var bounded = "{\"args\": [" + string.Join(", ", Enumerable.Repeat("\"" + new string('a', TaskEntry.MaxStringBytes) + "\"", TaskEntry.MaxArgs)) + "]}";
        Assert.Equal(TaskEntry.MaxArgs, TaskInputList.Parse(Encoding.UTF8.GetBytes(Task(bounded)), 2)[1].Args.Count);
    }

    [Theory]
    [InlineData("not json", "is not JSON")]
    [InlineData("[]", "is not {\"tasks\": [...]}")]
    [InlineData("{\"tasks\": {}}", "is not {\"tasks\": [...]}")]
    [InlineData("{\"tasks\": [[]], \"more\": 1}", "unknown field 'more'")]
    [InlineData("{\"tasks\": [[], []]}", "has 2 task entries but the deal has 1 tasks")]
    [InlineData("{\"tasks\": [7]}", "task 0 of the input list is neither a list of files nor")]
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
