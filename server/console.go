package server

// consoleRoutes are the organizer's console pages.
func (s *Server) consoleRoutes() []route {
	return nil
}
