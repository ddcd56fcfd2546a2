/// Kafka's leader election rules for the controller (`PartitionLeaderElectionAlgorithms`, `Election.leaderForOffline`
/// and the ISR arithmetic of `ReplicaStateMachine`). Pure functions of the assignment, the ISR and the live brokers.
enum PartitionLeaderElection {
    /// A new partition: leader = first live replica in assignment order, ISR = every live replica. Nil when no
    /// replica is alive (the partition stays new until one is).
    static func initial(assignment: [Int32], live: Set<Int32>) -> LeaderAndIsr? {
        let liveReplicas = assignment.filter(live.contains)
        guard let leader = liveReplicas.first else { return nil }
        return LeaderAndIsr(leader: leader, isr: liveReplicas)
    }

    /// `offlinePartitionLeaderElection`: the first replica in assignment order that is alive and in the ISR; failing
    /// that, with unclean election allowed, the first live replica.
    static func offlineLeader(assignment: [Int32], isr: [Int32], live: Set<Int32>, uncleanAllowed: Bool) -> Int32? {
        if let clean = assignment.first(where: { live.contains($0) && isr.contains($0) }) { return clean }
        return uncleanAllowed ? assignment.first(where: live.contains) : nil
    }

    /// `leaderForOffline`: the new leader and ISR (the old ISR's live members, or just the leader after an unclean
    /// election), with the next leader epoch; nil when nobody can lead.
    static func leaderForOffline(
        current: LeaderAndIsr, assignment: [Int32], live: Set<Int32>, uncleanAllowed: Bool
    ) -> LeaderAndIsr? {
        guard let leader = offlineLeader(assignment: assignment, isr: current.isr, live: live, uncleanAllowed: uncleanAllowed)
        else { return nil }
        let isr = current.isr.contains(leader) ? current.isr.filter(live.contains) : [leader]
        return current.newLeaderAndIsr(leader: leader, isr: isr)
    }

    /// True when electing a leader for this partition needs unclean election (no ISR member is alive).
    static func needsUncleanElection(isr: [Int32], live: Set<Int32>) -> Bool {
        !isr.contains(where: live.contains)
    }

    /// A replica going offline (`ReplicaStateMachine.doRemoveReplicasFromIsr`): it leaves the ISR unless it is the
    /// last member (the ISR never becomes empty, so the last in-sync replica can lead again when it returns), and
    /// if it led, the partition has no leader.
    static func removing(_ replica: Int32, from current: LeaderAndIsr) -> LeaderAndIsr {
        let leader = replica == current.leader ? LeaderAndIsr.noLeader : current.leader
        let isr = current.isr.count == 1 ? current.isr : current.isr.filter { $0 != replica }
        return current.newLeaderAndIsr(leader: leader, isr: isr)
    }

    /// `leaderForControlledShutdown`: the first replica in assignment order that is alive, in the ISR and not
    /// shutting down; the ISR loses every shutting-down broker. Nil when nobody else can lead (the partition stays
    /// with its leader, and the shutting-down broker is told it still leads it).
    static func leaderForControlledShutdown(
        current: LeaderAndIsr, assignment: [Int32], live: Set<Int32>, shuttingDown: Set<Int32>
    ) -> LeaderAndIsr? {
        guard let leader = assignment.first(where: { live.contains($0) && current.isr.contains($0) && !shuttingDown.contains($0) })
        else { return nil }
        return current.newLeaderAndIsr(leader: leader, isr: current.isr.filter { !shuttingDown.contains($0) })
    }

    /// `leaderForPreferredReplica`: the first assigned replica, when it is alive and in the ISR; the ISR stays.
    static func leaderForPreferredReplica(current: LeaderAndIsr, assignment: [Int32], live: Set<Int32>) -> LeaderAndIsr? {
        guard let preferred = assignment.first, live.contains(preferred), current.isr.contains(preferred) else { return nil }
        return current.newLeaderAndIsr(leader: preferred, isr: current.isr)
    }

    /// `leaderForReassignment`: the first target replica that is alive and in the ISR; the ISR stays.
    static func leaderForReassignment(current: LeaderAndIsr, target: [Int32], live: Set<Int32>) -> LeaderAndIsr? {
        guard let leader = target.first(where: { live.contains($0) && current.isr.contains($0) }) else { return nil }
        return current.newLeaderAndIsr(leader: leader, isr: current.isr)
    }
}
