# Sourced by the bench scripts: free_port prints a port nobody listens on (other servers may run on this
# machine), tried at random from 20000 up.
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 20000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}
