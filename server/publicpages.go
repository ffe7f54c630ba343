package server

// publicPageRoutes are the pages anyone may open: an event's public results.
func (s *Server) publicPageRoutes() []route {
	return nil
}
