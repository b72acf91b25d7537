-- Rotate through the paths given as arguments (taken, free and invalid usernames).
local paths = {}
local i = 0
function init(args)
  for _, p in ipairs(args) do table.insert(paths, p) end
end
function request()
  i = (i % #paths) + 1
  return wrk.format("GET", paths[i])
end
