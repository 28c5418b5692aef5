"""One rank raises while the others wait in a collective (or in DDP's backward)."""
import sys
import time

import ember
import ember.distributed as dist
from ember import nn
from ember.nn.parallel import DistributedDataParallel

dist.init_process_group("mpi")
where = sys.argv[1]
net = DistributedDataParallel(nn.Linear(3, 1))
if dist.get_rank() == dist.get_world_size() - 1:
    time.sleep(0.5)  # the others are waiting by now
    raise ValueError("rank broke on purpose")
if where == "collective":
    dist.all_reduce(ember.ones(4))
else:
    net(ember.ones(2, 3)).sum().backward()
print("unreachable: the job should have been aborted", flush=True)
