namespace Hearth.Network;

/// <summary>Which development account plays which role on a local network.</summary>
public static class DevAccounts
{
    public const int Deployer = 0;
    public const int AppOwner = 1;
    public const int DatasetOwner = 2;
    public const int PoolOwner = 3;
    public const int Scheduler = 4;
    public const int Requester = 5;
    public const int FirstWorker = 6;
}
