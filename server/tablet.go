package server

// tabletRoutes are the judge's tablet pages.
func (s *Server) tabletRoutes() []route {
	return nil
}
