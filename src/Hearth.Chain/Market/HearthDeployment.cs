namespace Hearth.Chain.Market;

/// <summary>Where one Hearth market lives: its chain and its contracts' addresses.</summary>
public sealed record HearthDeployment(long ChainId, string Token, string Apps, string Datasets, string Workerpools, string Market, long Block);
